"""The SLA clocks in the API's answer about a request: staff get them, clients never."""

from datetime import timedelta

from conftest import make_policy

H = timedelta(hours=1)


def test_the_api_gives_staff_the_clocks_and_clients_nothing_of_them(cast, api_as):
    make_policy("Tech gold", departments=[cast.tech], first_response=H,
                next_response=2 * H, resolution=24 * H)
    ticket = cast.held()
    staff = api_as(cast.john).get(f"/api/v1/tickets/{ticket.number}").json()
    assert {c["metric"] for c in staff["clocks"]} == {"first_response", "resolution"}
    first = next(c for c in staff["clocks"] if c["metric"] == "first_response")
    assert (first["state"], first["policy"], first["target_minutes"]) == (
        "running", "Tech gold", 60)
    client = api_as(cast.alice).get(f"/api/v1/tickets/{ticket.number}").json()
    assert "clocks" not in client and "late" not in client
