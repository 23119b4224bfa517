#!/usr/bin/env python3
"""Produces each line of a file as one message of a Kafka topic.

The imkafka tests' independent producer: kafka-python, a client that
shares no code with librdkafka (corelog's consumer). Usage:

    kafka_produce.py BROKER TOPIC FILE

Messages go round robin over the topic's partitions (no key), acks=all.
Prints {"produced": n}.
"""
import json
import sys

import kafka

broker, topic, path = sys.argv[1:4]
p = kafka.KafkaProducer(bootstrap_servers=broker, acks="all", linger_ms=5, batch_size=1 << 20)
parts = None
n = 0
with open(path, "rb") as f:
    for line in f:
        if parts is None:
            parts = sorted(p.partitions_for(topic))
        p.send(topic, line.rstrip(b"\n"), partition=parts[n % len(parts)])
        n += 1
p.flush()
print(json.dumps({"produced": n}))
