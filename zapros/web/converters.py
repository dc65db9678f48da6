from django.urls import register_converter


class TicketNumber:
    """Ticket numbers in URLs: digits that fit the database's 64-bit integer, so that an
    absurd number is a plain 404 and never reaches the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(TicketNumber, "ticket")
