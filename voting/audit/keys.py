"""Ed25519 keys of the service's signatures as bytes and fingerprints (pure: the offline verifiers use it)."""
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


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
