"""The service's Ed25519 key: it signs evidence manifests and the audit chain's checkpoints.

Where the private key comes from, first match wins:
1. `EVIDENCE_PRIVATE_KEY` (app config, else environment): the PKCS#8 PEM text;
2. `EVIDENCE_PRIVATE_KEY_FILE`: a path to that PEM file, which must exist;
3. `instance/evidence_ed25519.pem`, created once on first use.

With several app instances set 1 or 2: each instance would otherwise make its own
key, and a bundle would only verify against the key of the instance that signed it.
Signatures are raw 64-byte Ed25519 signatures, so anyone can check one with
`openssl pkeyutl -verify -pubin -inkey public.pem -rawin -in manifest.json -sigfile manifest.sig`.
"""
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app

from ..instance_secrets import instance_secret
from .keys import SigningKeyError, private_key_from_pem, private_key_pem

INSTANCE_KEY_NAME = "evidence_ed25519.pem"


def _new_key_pem() -> bytes:
    return private_key_pem(Ed25519PrivateKey.generate())


def _setting(name: str) -> str:
    return current_app.config.get(name) or os.environ.get(name, "")


def signing_key() -> Ed25519PrivateKey:
    """The service's private key (see the module docstring for where it comes from)."""
    pem = _setting("EVIDENCE_PRIVATE_KEY")
    if pem:
        # Environment variables often carry a PEM with its line breaks escaped.
        return private_key_from_pem(pem.replace("\\n", "\n").encode())
    path = _setting("EVIDENCE_PRIVATE_KEY_FILE")
    if path:
        if not Path(path).is_file():
            raise SigningKeyError(f"EVIDENCE_PRIVATE_KEY_FILE 指向的文件不存在：{path}")
        return private_key_from_pem(Path(path).read_bytes())
    return private_key_from_pem(instance_secret(Path(current_app.instance_path), INSTANCE_KEY_NAME, _new_key_pem))
