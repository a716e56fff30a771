"""The app's URL converters, shared by every blueprint."""

from werkzeug.routing import BaseConverter

# The largest value of an INTEGER column on PostgreSQL and MySQL (SQLite's is larger).
# A bigger id in a URL can name no row; handed to the database it would be an error.
MAX_ID = 2**31 - 1
# What an id beyond MAX_ID becomes: ids start at 1 on every database, so no row has it.
NO_SUCH_ID = 0


class IdConverter(BaseConverter):
    """`<id:name>`: a row id the database can look up, so any number gives the view's
    own 404 (never a 500 from the database).

    Out-of-range numbers become NO_SUCH_ID rather than failing to match: a converter
    that refuses a value makes Werkzeug answer 405 for the route's other methods.
    Longer digit strings match no route at all (404), and never reach int().
    """

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_SUCH_ID

    def to_url(self, value: int) -> str:
        return str(int(value))


CONVERTERS = {"id": IdConverter}
