"""A separate process appending to a log: used by the concurrency and crash-injection tests."""

from __future__ import annotations

import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from culturebridge.rights.log import LogSigner, TransparencyLog
from culturebridge.storage import Database


def main(argv: list[str]) -> None:
    url, tag, batches, batch_size = argv[0], argv[1], int(argv[2]), int(argv[3])
    db = Database.open(url)
    log = TransparencyLog(db, LogSigner("test.example/log", Ed25519PrivateKey.from_private_bytes(b"k" * 32)))
    for b in range(batches):
        log.append([f"{tag}-{b}-{i}".encode() for i in range(batch_size)])
        log.sign_checkpoint()
        print(b, flush=True)
    db.close()


if __name__ == "__main__":
    main(sys.argv[1:])
