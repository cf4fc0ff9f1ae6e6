"""A real SMTP server on loopback for the notice tests (tests/tests/notices.rs), built on
aiosmtpd (PyPI; tests/run installs it in target/aiosmtpd).

    sink.py DIR [--refuse N]

Listens on 127.0.0.1 at a free port and prints the port on the first line; writes every
message it accepts to DIR as a file of its own and prints "accepted FILE" (the test reads
these lines: it waits for mail, never for a time). With --refuse N, the first N messages are
answered 451 (try again later), as a busy mail server does.
"""

import argparse
import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = refuse
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            print("refused", flush=True)
            return "451 4.3.0 Busy, try again later"
        self.count += 1
        name = os.path.join(self.folder, f"{self.count:04}.eml")
        with open(name + ".part", "wb") as file:
            file.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            file.write(envelope.original_content)
        os.rename(name + ".part", name)
        print(f"accepted {name}", flush=True)
        return "250 2.0.0 OK"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()
    sink = Sink(args.folder, args.refuse)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="sink.test"), "127.0.0.1", 0
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
