"""Access-log tests share the channel tests' fixtures (`ops_test` upgraded to every head, client, channel)."""

from __future__ import annotations

from tests.channels import conftest as channel_fixtures

client = channel_fixtures.client
ops_test = channel_fixtures.ops_test
sysadmin = channel_fixtures.sysadmin
province = channel_fixtures.province
channel = channel_fixtures.channel
