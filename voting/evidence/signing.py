"""The service's Ed25519 key for signing evidence manifests.

Where the private key comes from, first match wins:
1. `EVIDENCE_PRIVATE_KEY` (app config, else environment): the PKCS#8 PEM text;
2. `EVIDENCE_PRIVATE_KEY_FILE`: a path to that PEM file, which must exist;
3. `instance/evidence_ed25519.pem`, created once on first use.

With several app instances set 1 or 2: each instance would otherwise make its own
key, and a bundle would only verify against the key of the instance that signed it.
Signatures are raw 64-byte Ed25519 signatures, so anyone can check one with
`openssl pkeyutl -verify -pubin -inkey public.pem -rawin -in manifest.json -sigfile manifest.sig`.
"""
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

from ..instance_secrets import instance_secret

INSTANCE_KEY_NAME = "evidence_ed25519.pem"


class SigningKeyError(RuntimeError):
    """The configured key is missing or is not an Ed25519 private key."""


def private_key_from_pem(pem: bytes) -> Ed25519PrivateKey:
    """Parse an unencrypted PKCS#8 PEM; SigningKeyError unless it is an Ed25519 private key."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"证据签名私钥无法读取：{exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError("证据签名私钥必须是 Ed25519 密钥")
    return key


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM of `key`, unencrypted (the file is protected by its 0600 mode)."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM: what `GET /api/v1/evidence/public-key` serves."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_from_pem(pem: bytes) -> Ed25519PublicKey:
    """Parse a public key PEM; ValueError (Chinese message) unless it is Ed25519."""
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"公钥文件无法读取：{exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("公钥必须是 Ed25519 公钥")
    return key


def key_fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 (hex) of the 32 raw public key bytes: names the key in a manifest."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


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
