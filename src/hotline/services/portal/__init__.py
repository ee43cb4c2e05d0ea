"""The citizen portal (市民端): requests sent by callers themselves, followed with a query
code, rated (好差评), and the public board of answers they agreed to publish.

- ``submit.py``: a request with its photos becomes a ticket (channel 网页), with limits
  per phone and per address; the receipt gives the number and the query code;
- ``follow.py``: a ticket looked up by number and query code (guessing throttled), its
  progress in the caller's words, and the rating, which is the life cycle's 回访;
- ``board.py``: 公开答复 with personal data masked, its search, and 点赞;
- ``codes.py``: query codes and SMS codes (made, hashed, compared in constant time);
- ``throttle.py``: the limits and the failed-attempt counts;
- ``sms.py``: the optional SMS code through the reminder sender.
"""
