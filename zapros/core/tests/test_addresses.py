"""The client's address behind trusted proxies, and which addresses are internal."""

import pytest
from django.test import RequestFactory

from zapros.core.addresses import client_address, is_internal, parse


def _request(peer, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards(settings):
    settings.ZAPROS_TRUSTED_PROXIES = []
    assert client_address(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended(settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(_request("127.0.0.1", "198.51.100.7")) == "198.51.100.7"
    # Two proxies in a row, each appending the address it was connected from.
    assert client_address(_request("127.0.0.1", "198.51.100.7, 10.1.2.3")) == "198.51.100.7"


def test_addresses_a_client_forges_left_of_the_proxys_entry_are_ignored(settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1"]
    forged = "10.9.9.9, 203.0.113.1, 198.51.100.7"
    assert client_address(_request("127.0.0.1", forged)) == "198.51.100.7"
    assert client_address(_request("127.0.0.1", "garbage, 198.51.100.7")) == "198.51.100.7"


def test_a_peer_that_is_not_a_trusted_proxy_is_the_client(settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(_request("198.51.100.7", "10.0.0.1")) == "198.51.100.7"


def test_a_proxy_that_forwards_nothing_is_its_own_client(settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(_request("127.0.0.1")) == "127.0.0.1"
    assert client_address(_request("127.0.0.1", "not an address")) == "127.0.0.1"


def test_mapped_ipv6_forms_are_the_ipv4_address(settings):
    settings.ZAPROS_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(_request("::ffff:127.0.0.1", "::ffff:198.51.100.7")) == "198.51.100.7"


@pytest.mark.parametrize("text", [
    "127.0.0.1", "127.8.9.10", "::1", "[::ffff:127.0.0.1]", "::ffff:7f00:1", "0.0.0.0", "::",
    "169.254.169.254", "fe80::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "fd00::1", "224.0.0.1", "2002:7f00:1::", "64:ff9b::a9fe:a9fe", "::127.0.0.1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe",
])
def test_internal_addresses_in_every_spelling(text):
    assert is_internal(parse(text))


@pytest.mark.parametrize("text", ["198.51.200.7", "93.184.215.14", "2a00:1450:4001:82b::200e",
                                  "[2606:4700::6810:84e5]"])
def test_addresses_on_the_internet_are_not_internal(text):
    assert not is_internal(parse(text))
