#!/usr/bin/env python3
"""Makes, inspects and reads a NATS JetStream stream.

The tests' independent JetStream client: nats-py (PyPI), which shares no
code with corelog's publisher. Usage:

    nats_stream.py [--ca FILE --tls-hostname NAME] URL create STREAM SUBJECT [--duplicate-window SECONDS]
    nats_stream.py URL info STREAM
    nats_stream.py URL read STREAM OUT [--expect N] [--idle SECONDS] [--subjects]

create: a file-backed stream taking SUBJECT (wildcards allowed).
info: prints {"messages": n, "last_seq": n}.
read: writes each message's payload on a line of OUT (with --subjects:
"subject<TAB>payload"), from the first, stopping once N are read or
nothing new came for --idle seconds (default 10); prints
{"messages": n}.
"""
import argparse
import asyncio
import json
import ssl
import time

import nats
from nats.js import api

a = argparse.ArgumentParser()
a.add_argument("--ca")
a.add_argument("--tls-hostname")
a.add_argument("url")
sub = a.add_subparsers(dest="cmd", required=True)
c = sub.add_parser("create")
c.add_argument("stream")
c.add_argument("subject")
c.add_argument("--duplicate-window", type=float, default=120.0)
i = sub.add_parser("info")
i.add_argument("stream")
r = sub.add_parser("read")
r.add_argument("stream")
r.add_argument("out")
r.add_argument("--expect", type=int, default=0)
r.add_argument("--idle", type=float, default=10.0)
r.add_argument("--subjects", action="store_true")
args = a.parse_args()


async def main():
    tls = {}
    if args.ca:
        ctx = ssl.create_default_context(cafile=args.ca)
        tls = {"tls": ctx, "tls_hostname": args.tls_hostname}
    nc = await nats.connect(args.url, connect_timeout=10, max_reconnect_attempts=5, **tls)
    js = nc.jetstream(timeout=30)
    if args.cmd == "create":
        await js.add_stream(
            name=args.stream,
            subjects=[args.subject],
            storage=api.StorageType.FILE,
            duplicate_window=args.duplicate_window,
        )
        print(json.dumps({"created": args.stream}))
    elif args.cmd == "info":
        s = await js.stream_info(args.stream)
        print(json.dumps({"messages": s.state.messages, "last_seq": s.state.last_seq}))
    else:
        cfg = api.ConsumerConfig(
            ack_policy=api.AckPolicy.NONE,
            deliver_policy=api.DeliverPolicy.ALL,
            inactive_threshold=60.0,
        )
        psub = await js.pull_subscribe("", stream=args.stream, config=cfg)
        n = 0
        last = time.monotonic()
        with open(args.out, "wb") as out:
            while not (args.expect and n >= args.expect):
                try:
                    msgs = await psub.fetch(batch=5000, timeout=0.5)
                except nats.errors.TimeoutError:
                    msgs = []
                for m in msgs:
                    data = m.data.rstrip(b"\n")
                    if args.subjects:
                        out.write(m.subject.encode() + b"\t" + data + b"\n")
                    else:
                        out.write(data + b"\n")
                n += len(msgs)
                if msgs:
                    last = time.monotonic()
                elif time.monotonic() - last > args.idle:
                    break
        print(json.dumps({"messages": n}))
    await nc.close()


asyncio.run(main())
