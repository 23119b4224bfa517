#!/usr/bin/env python3
"""Prints the sum of a topic's end offsets (messages the broker holds).

    kafka_offsets.py BROKER TOPIC [--wait N --timeout S]

With --wait, polls until the sum reaches N (or --timeout seconds pass) and
prints the seconds that took, as JSON: {"offsets": n, "seconds": s}.
"""
import argparse
import json
import time

import kafka

a = argparse.ArgumentParser()
a.add_argument("broker")
a.add_argument("topic")
a.add_argument("--wait", type=int, default=0)
a.add_argument("--timeout", type=float, default=600.0)
args = a.parse_args()

c = kafka.KafkaConsumer(bootstrap_servers=args.broker, enable_auto_commit=False)
start = time.monotonic()
parts = None
while not parts and time.monotonic() - start < args.timeout:
    parts = c.partitions_for_topic(args.topic)
    if not parts:
        time.sleep(0.1)
tps = [kafka.TopicPartition(args.topic, p) for p in sorted(parts or [])]
n = 0
while True:
    n = sum(c.end_offsets(tps).values()) if tps else 0
    if n >= args.wait or time.monotonic() - start > args.timeout:
        break
    time.sleep(0.05)
print(json.dumps({"offsets": n, "seconds": round(time.monotonic() - start, 3)}))
