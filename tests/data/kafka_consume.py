#!/usr/bin/env python3
"""Reads every message of a Kafka topic, from the beginning, into a file.

The tests' independent consumer: kafka-python, a Kafka client that shares
no code with librdkafka (corelog's producer). Usage:

    kafka_consume.py BROKER TOPIC OUT [--expect N] [--idle SECONDS] [--keys] [--ca FILE]

Writes each message's value on a line of OUT (with --keys:
"partition<TAB>key<TAB>value"), stopping once N messages are read or
nothing new came for --idle seconds (default 10); with --ca, over TLS
checked against that CA (not the name: the test's broker is 127.0.0.1).
Prints a JSON summary:
{"messages": n, "partitions": {p: n}}.
"""
import argparse
import json
import sys
import time

import kafka

a = argparse.ArgumentParser()
a.add_argument("broker")
a.add_argument("topic")
a.add_argument("out")
a.add_argument("--expect", type=int, default=0)
a.add_argument("--idle", type=float, default=10.0)
a.add_argument("--keys", action="store_true")
a.add_argument("--ca")
args = a.parse_args()
tls = {}
if args.ca:
    tls = dict(security_protocol="SSL", ssl_cafile=args.ca, ssl_check_hostname=False)

consumer = kafka.KafkaConsumer(
    bootstrap_servers=args.broker,
    enable_auto_commit=False,
    auto_offset_reset="earliest",
    fetch_max_bytes=64 << 20,
    max_partition_fetch_bytes=16 << 20,
    max_poll_records=100000,
    **tls,
)
deadline = time.monotonic() + 60
parts = None
while not parts:
    parts = consumer.partitions_for_topic(args.topic)
    if not parts:
        if time.monotonic() > deadline:
            sys.exit(f"topic {args.topic} has no partitions")
        time.sleep(0.2)
tps = [kafka.TopicPartition(args.topic, p) for p in sorted(parts)]
consumer.assign(tps)
consumer.seek_to_beginning(*tps)

n = 0
per = {}
last = time.monotonic()
with open(args.out, "wb") as out:
    while True:
        got = consumer.poll(timeout_ms=500)
        for tp, records in got.items():
            for r in records:
                if args.keys:
                    key = r.key or b""
                    out.write(b"%d\t%s\t%s\n" % (tp.partition, key, r.value))
                else:
                    out.write(r.value.rstrip(b"\n") + b"\n")
            per[tp.partition] = per.get(tp.partition, 0) + len(records)
            n += len(records)
        if got:
            last = time.monotonic()
        if args.expect and n >= args.expect:
            break
        if time.monotonic() - last > args.idle:
            break
print(json.dumps({"messages": n, "partitions": per}))
