"""``TOCSIN_TLS=auto``: a local certificate authority and the gateway's certificate, made
with ``cryptography`` under ``<data dir>/tls/`` (keys 0600) and reused on later starts.

Clients trust the gateway by trusting ``ca.pem``: ``AWS_CA_BUNDLE=<data dir>/tls/ca.pem``
for boto3 and the ``aws`` CLI, ``--cacert`` for curl. The CA's key stays in the folder;
only this machine's names are in the certificate (``localhost``, its loopback addresses,
and the host of ``TOCSIN_HTTP_ADDR``/``TOCSIN_GRPC_ADDR``).
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tocsin.local.identities import private_folder, write_private

__all__ = ["LocalTls", "ensure"]

FOLDER = "tls"
_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class LocalTls:
    """Where the generated files are."""

    ca: Path
    cert: Path
    key: Path


def _names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in {"localhost", "127.0.0.1", "::1", *hosts}:
        host = host.strip("[]")
        if not host or host in ("0.0.0.0", "::"):
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return sorted(names, key=str)


def _pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _covers(cert_path: Path, names: list[x509.GeneralName]) -> bool:
    """Whether the certificate there is still good for a week and names every host."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        have = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    soon = datetime.datetime.now(datetime.UTC) + 7 * _DAY
    return cert.not_valid_after_utc > soon and all(n in have for n in names)


def ensure(data_dir: Path, hosts: Iterable[str]) -> LocalTls:
    """The CA and a certificate for ``hosts``, made if missing, expiring or not naming them."""
    folder = private_folder(data_dir / FOLDER)
    files = LocalTls(folder / "ca.pem", folder / "gateway.pem", folder / "gateway.key")
    names = _names(hosts)
    ca_key_path = folder / "ca.key"
    now = datetime.datetime.now(datetime.UTC)
    if files.ca.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(files.ca.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        assert isinstance(loaded, ec.EllipticCurvePrivateKey)
        ca_key = loaded
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tocsin local CA")])
        ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
                   .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - _DAY).not_valid_after(now + 3650 * _DAY)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, key_cert_sign=True, crl_sign=True,
                       content_commitment=False, key_encipherment=False,
                       data_encipherment=False, key_agreement=False, encipher_only=False,
                       decipher_only=False), critical=True)
                   .sign(ca_key, hashes.SHA256()))
        write_private(ca_key_path, _pem(ca_key))
        write_private(files.ca, ca_cert.public_bytes(serialization.Encoding.PEM).decode())
        files.ca.chmod(0o644)  # the CA certificate is for everyone to trust
        files.cert.unlink(missing_ok=True)
    if _covers(files.cert, names) and files.key.exists():
        return files
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tocsin gateway")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY).not_valid_after(now + 397 * _DAY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    write_private(files.key, _pem(key))
    write_private(files.cert, cert.public_bytes(serialization.Encoding.PEM).decode())
    return files
