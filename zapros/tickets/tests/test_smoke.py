from zapros.tickets import services


def test_a_client_ticket_can_be_answered_and_archived(cast):
    ticket = cast.open()
    services.take(cast.john, ticket.number)
    services.reply(cast.john, ticket.number, body="Fixed", close=True)
    services.archive(cast.alice, ticket.number)
    assert cast.refresh(ticket).state == "archived"
