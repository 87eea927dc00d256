from __future__ import annotations

import pytest

from tests.monitoring.servers import ScriptedServer


@pytest.fixture
def scripted_server():
    made: list[ScriptedServer] = []

    def make(routes=None) -> ScriptedServer:
        made.append(ScriptedServer(routes))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def staff_client(client, db):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True, groups=["Operators"])
    client.force_login(user)
    return client
