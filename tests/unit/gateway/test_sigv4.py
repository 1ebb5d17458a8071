"""Tests for tocsin.gateway.sigv4: requests signed by botocore's own signer are verified."""

from __future__ import annotations

import datetime as dt
import hashlib
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tocsin.gateway import sigv4

KEYS = {"AKIDTOCSIN": "s3cr3t/with+chars", "OTHER": "other-secret"}
ACCOUNT = "000000000000"
LABEL_URL = ("http://127.0.0.1:8080/tags/arn%3Atocsin%3Assm-incidents%3A%3A000000000000%3A"
             "response-plan%2Fweb")


def signed(method: str = "POST", url: str = "http://127.0.0.1:8080/createResponsePlan",
           body: bytes = b'{"name": "p"}', *, key: str = "AKIDTOCSIN",
           secret: str = "s3cr3t/with+chars", service: str = "ssm-incidents",
           headers: dict[str, str] | None = None, region: str = "local-1") -> AWSRequest:
    """A request signed by botocore's SigV4Auth, as boto3 would send it."""
    request = AWSRequest(method=method, url=url, data=body,
                         headers={"Content-Type": "application/json", **(headers or {})})
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    return request


def verify(request: AWSRequest, *, body: bytes | None = None, url: str | None = None,
           service: str | None = "ssm-incidents", now: dt.datetime | None = None,
           extra_headers: dict[str, str] | None = None, region: str | None = "local-1",
           partition: str = "tocsin") -> str:
    """Verify ``request`` as the gateway would receive it over the wire."""
    parts = urlsplit(url or request.url)
    headers = [(k, v) for k, v in request.headers.items()]
    headers.append(("Host", parts.netloc))
    headers.extend((extra_headers or {}).items())
    return sigv4.verify(
        method=request.method, path=parts.path, query=parts.query,
        headers=_MultiDict(headers), body=request.body if body is None else body,
        credentials=KEYS, account=ACCOUNT, service=service, now=now, region=region,
        partition=partition)


class _MultiDict:
    """Headers as a web server hands them over: ``items()`` may repeat names."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._items = items

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class TestAccepts:
    def test_principal_in_the_deployment_partition(self) -> None:
        """The principal ARN is in the partition the gateway was configured with."""
        assert verify(signed(), partition="aws") == "arn:aws:iam::000000000000:user/AKIDTOCSIN"

    def test_scope_service(self) -> None:
        """The credential scope's service is read without verifying anything."""
        assert sigv4.scope_service(signed(service="events").headers) == "events"
        assert sigv4.scope_service({"Authorization": "Bearer x"}) is None
        assert sigv4.scope_service({}) is None

    def test_json_post(self) -> None:
        """A botocore-signed POST with a JSON body verifies and names the principal."""
        assert verify(signed()) == f"arn:tocsin:iam::{ACCOUNT}:user/AKIDTOCSIN"

    def test_get_with_query(self) -> None:
        """Query parameters are part of the canonical request, sorted and encoded."""
        url = ("http://127.0.0.1:8080/getTimelineEvent?incidentRecordArn=arn%3Atocsin%3Ax"
               "&eventId=e%20v")
        assert verify(signed("GET", url, b"")).endswith("user/AKIDTOCSIN")

    def test_label_with_encoded_slash(self) -> None:
        """A raw path with ``%2F`` in a label verifies (the path is doubly encoded)."""
        assert verify(signed("GET", LABEL_URL, b""))

    def test_repeated_query_keys(self) -> None:
        """Repeated keys (``tagKeys=a&tagKeys=b``) verify in any order of value."""
        assert verify(signed("DELETE", LABEL_URL + "?tagKeys=b&tagKeys=a%20c", b""))

    def test_ssm_contacts_target(self) -> None:
        """A JSON 1.1 request with X-Amz-Target signed for ssm-contacts verifies."""
        request = signed("POST", "http://127.0.0.1:8080/", b"{}", service="ssm-contacts",
                         headers={"X-Amz-Target": "SSMContacts.ListContacts",
                                  "Content-Type": "application/x-amz-json-1.1"})
        assert verify(request, service="ssm-contacts")

    def test_second_key(self) -> None:
        """Any configured key id may sign."""
        principal = verify(signed(key="OTHER", secret="other-secret"))
        assert principal == f"arn:tocsin:iam::{ACCOUNT}:user/OTHER"

    def test_content_sha256_header(self) -> None:
        """A matching x-amz-content-sha256 header is used as the payload hash."""
        body = b'{"name": "p"}'
        request = signed(body=body,
                         headers={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
        assert verify(request)

    def test_within_skew(self) -> None:
        """A request signed 14 minutes ago is still accepted."""
        now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14)
        assert verify(signed(), now=now)

    def test_skew_window_is_fifteen_minutes_to_the_second(self) -> None:
        """Exactly 15 minutes either way is accepted, a second more refused, whatever the
        fraction of the gateway's current second."""
        request = signed()
        moment = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ"
                                      ).replace(tzinfo=dt.UTC)
        fifteen, second = dt.timedelta(minutes=15), dt.timedelta(seconds=1)
        half = dt.timedelta(microseconds=500_000)
        for now in (moment + fifteen, moment + fifteen + half, moment - fifteen):
            assert verify(request, now=now)
        for now in (moment + fifteen + second, moment - fifteen - second + half):
            with pytest.raises(sigv4.InvalidSignature):
                verify(request, now=now)

    def test_canonical_request_matches_botocore(self) -> None:
        """The canonical request equals botocore's, including the doubly encoded path."""
        request = signed("GET", LABEL_URL + "?b=2&a=1", b"")
        parts = urlsplit(request.url)
        headers = {k.lower(): [v] for k, v in request.headers.items()}
        headers["host"] = [parts.netloc]
        signed_names = ["content-type", "host", "x-amz-date"]
        ours = sigv4.canonical_request(
            "GET", parts.path, parts.query, [(h, headers[h]) for h in signed_names],
            botocore.auth.EMPTY_SHA256_HASH)
        theirs = SigV4Auth(Credentials("AKIDTOCSIN", "x"), "ssm-incidents", "local-1")
        del request.headers["Authorization"]
        assert ours == theirs.canonical_request(request)
        assert "/tags/arn%253Atocsin%253Assm-incidents" in ours
        assert "%252Fweb" in ours


class TestRefuses:
    def test_tampered_body(self) -> None:
        """A body changed after signing fails the signature."""
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed(), body=b'{"name": "q"}')
        assert info.value.aws_code == "InvalidSignatureException"
        assert info.value.http_status == 403

    def test_tampered_query(self) -> None:
        """A query parameter changed after signing fails the signature."""
        request = signed("GET", "http://127.0.0.1:8080/getIncidentRecord?arn=a", b"")
        with pytest.raises(sigv4.InvalidSignature):
            verify(request, url="http://127.0.0.1:8080/getIncidentRecord?arn=b")

    def test_wrong_secret(self) -> None:
        """A request signed with another secret for a known key fails."""
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed(secret="guess"))
        assert "does not match the signature you provided" in info.value.message

    def test_unknown_key(self) -> None:
        """A key id the gateway does not know is UnrecognizedClientException."""
        with pytest.raises(sigv4.UnrecognizedClient) as info:
            verify(signed(key="NOBODY"))
        assert info.value.aws_code == "UnrecognizedClientException"
        assert info.value.http_status == 403

    def test_twenty_minutes_old(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A signature dated 20 minutes ago has expired."""
        past = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=20)
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: past)
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed())
        assert info.value.message.startswith(
            f"Signature expired: {past.strftime('%Y%m%dT%H%M%SZ')} is now earlier than ")
        assert info.value.message.endswith(" - 15 min.)")

    def test_twenty_minutes_ahead(self) -> None:
        """A signature dated 20 minutes in the future is not yet current."""
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed(), now=now)
        assert info.value.message.startswith("Signature not yet current: ")

    def test_missing_authorization(self) -> None:
        """An unsigned request is refused with AccessDeniedException and HTTP 403."""
        with pytest.raises(sigv4.MissingAuthentication) as info:
            sigv4.verify(method="GET", path="/getIncidentRecord", query="arn=a",
                         headers={"Host": "x"}, body=b"", credentials=KEYS, account=ACCOUNT)
        assert (info.value.aws_code, info.value.http_status) == ("AccessDeniedException", 403)

    def test_wrong_service_scope(self) -> None:
        """A request signed for ssm-contacts is refused on an ssm-incidents route."""
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed(service="ssm-contacts"), service="ssm-incidents")
        assert "scoped to correct service: 'ssm-incidents'" in info.value.message

    def test_wrong_region_scope(self) -> None:
        """A request signed for another region (a client left on us-east-1) is refused the
        way AWS refuses it, naming the region the deployment serves."""
        with pytest.raises(sigv4.InvalidSignature) as info:
            verify(signed(region="us-east-1"))
        assert info.value.aws_code == "InvalidSignatureException"
        assert info.value.message.startswith(
            "Credential should be scoped to a valid region, not 'us-east-1'. ")
        assert "serves the region 'local-1'" in info.value.message

    def test_region_unchecked_without_one(self) -> None:
        """Without a region to enforce, the scope's region is only part of the signature."""
        assert verify(signed(region="us-east-1"), region=None).endswith(":user/AKIDTOCSIN")

    def test_content_sha256_mismatch(self) -> None:
        """An x-amz-content-sha256 header that does not match the body is refused."""
        request = signed(headers={"X-Amz-Content-SHA256": "0" * 64})
        with pytest.raises(sigv4.InvalidSignature):
            verify(request)

    def test_unsigned_payload_is_refused(self) -> None:
        """``UNSIGNED-PAYLOAD`` is not accepted over the gateway's plain HTTP."""
        request = signed(headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
        with pytest.raises(sigv4.InvalidSignature):
            verify(request)

    @pytest.mark.parametrize("authorization", [
        "AWS4-HMAC-SHA256 Credential=AKIDTOCSIN/20240101/local-1/ssm-incidents/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIDTOCSIN/20240101, SignedHeaders=host, Signature=ab",
        "AWS AKIDTOCSIN:abc",
    ])
    def test_malformed_authorization(self, authorization: str) -> None:
        """An Authorization header that is not complete SigV4 is IncompleteSignature."""
        with pytest.raises(sigv4.IncompleteSignature) as info:
            sigv4.verify(method="GET", path="/", query="",
                         headers={"Authorization": authorization, "X-Amz-Date": "x"},
                         body=b"", credentials=KEYS, account=ACCOUNT)
        assert info.value.aws_code == "IncompleteSignatureException"

    def test_signed_header_missing(self) -> None:
        """A header named in SignedHeaders but absent from the request is refused."""
        request = signed(headers={"X-Custom": "1"})
        parts = urlsplit(request.url)
        headers = {k: v for k, v in request.headers.items() if k != "X-Custom"}
        headers["Host"] = parts.netloc
        with pytest.raises(sigv4.InvalidSignature):
            sigv4.verify(method="POST", path=parts.path, query="", headers=headers,
                         body=request.body, credentials=KEYS, account=ACCOUNT)


class TestTightened:
    def test_host_must_be_signed(self) -> None:
        request = signed()
        auth = request.headers["Authorization"]
        request.headers.replace_header(
            "Authorization", auth.replace("SignedHeaders=content-type;host;x-amz-date",
                                          "SignedHeaders=content-type;x-amz-date"))
        with pytest.raises(sigv4.InvalidSignature, match="host"):
            verify(request)

    def test_x_amz_target_must_be_signed_when_required(self) -> None:
        """A JSON 1.1 signature that leaves X-Amz-Target out could be replayed for another
        operation: refused."""
        request = signed("POST", "http://127.0.0.1:8080/", b"{}", service="ssm-contacts")
        parts = urlsplit(request.url)
        headers = [*request.headers.items(), ("Host", parts.netloc),
                   ("X-Amz-Target", "SSMContacts.DeleteContact")]
        with pytest.raises(sigv4.InvalidSignature, match="x-amz-target"):
            sigv4.authenticate(method="POST", path="/", query="", headers=_MultiDict(headers),
                               body=b"{}", credentials=KEYS, service="ssm-contacts",
                               region="local-1", must_sign=("x-amz-target",))

    def test_a_signature_replayed_with_another_target_fails(self) -> None:
        request = signed("POST", "http://127.0.0.1:8080/", b"{}", service="ssm-contacts",
                         headers={"X-Amz-Target": "SSMContacts.ListContacts"})
        parts = urlsplit(request.url)
        headers = [(k, "SSMContacts.DeleteContact" if k == "X-Amz-Target" else v)
                   for k, v in request.headers.items()] + [("Host", parts.netloc)]
        with pytest.raises(sigv4.InvalidSignature, match="does not match"):
            sigv4.authenticate(method="POST", path="/", query="", headers=_MultiDict(headers),
                               body=b"{}", credentials=KEYS, service="ssm-contacts",
                               region="local-1", must_sign=("x-amz-target",))

    def test_service_among_several(self) -> None:
        assert verify(signed(service="tocsin"), service=("tocsin", "ssm-incidents"))
        with pytest.raises(sigv4.InvalidSignature, match="'tocsin' or 'ssm-contacts'"):
            verify(signed(), service=("tocsin", "ssm-contacts"))

    @pytest.mark.parametrize("signature", ["é" * 64, "\udcff" * 3, "", "0" * 10_000])
    def test_odd_signatures_are_refused_not_raised(self, signature: str) -> None:
        request = signed()
        parts = urlsplit(request.url)
        headers = [(k, v) for k, v in request.headers.items() if k != "Authorization"]
        head, _, _ = request.headers["Authorization"].rpartition("Signature=")
        headers += [("Authorization", f"{head}Signature={signature}"), ("Host", parts.netloc)]
        with pytest.raises(sigv4.AuthError):
            sigv4.authenticate(method="POST", path=parts.path, query="",
                               headers=_MultiDict(headers), body=request.body,
                               credentials=KEYS, region="local-1")

    def test_odd_bytes_in_path_and_headers_are_refused_not_raised(self) -> None:
        request = signed()
        parts = urlsplit(request.url)
        auth = request.headers["Authorization"].replace(
            "SignedHeaders=content-type;host;x-amz-date",
            "SignedHeaders=content-type;host;x-amz-date;x-odd")
        headers = [(k, auth if k == "Authorization" else v) for k, v in request.headers.items()]
        headers += [("Host", parts.netloc), ("X-Odd", "\udcff\ud800")]
        with pytest.raises(sigv4.InvalidSignature):
            sigv4.authenticate(method="POST", path="/\udcff", query="a=\udcff",
                               headers=_MultiDict(headers), body=request.body,
                               credentials=KEYS, region="local-1")
