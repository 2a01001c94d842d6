"""Converts desk-archive records into tg-archive's input, for bench/run.sh's `peers` part.

Usage (with the Python of the virtual environment tg-archive 1.3.1 is installed in):

    python to-tg-archive.py RECORDS_DIR DATA_SQLITE

RECORDS_DIR holds desk-archive records (one `<stem>.json` per session, as
examples/gen-records writes them and `render --records` reads them: an object with
"SessionId" and "Messages", each message with "FromAccount", "Timestamp" in milliseconds
and "MsgBody", a list of elements). DATA_SQLITE is the SQLite file `tg-archive --build`
reads (its `--data`, by default data.sqlite in the site folder); it is created anew.

tg-archive archives one chat, so every session's messages go into one timeline, ordered by
time (ties keep the sessions' file-name order and the messages' order in their record),
numbered 1, 2, 3… in that order: tg-archive pages a month's messages by id. Each message
becomes one row of type "message" with:
  - its sender: FromAccount (From_Account in the older message format) as a tg-archive
    user, username and first name the account, numbered in order of first appearance;
  - its time: Timestamp (milliseconds; MsgTimeStamp in seconds in the older format), UTC,
    to the second, as tg-archive stores it;
  - its text: the text of its text elements; any other element as a short placeholder
    ("[image]", "[file]", "[custom]"…), one line per element, so that every message has a
    row and shows on a page, whatever it holds.
No media: the records' media URLs are not fetched, and tg-archive builds without them.

The rows go in through tg-archive's own `tgarchive.db.DB` (its schema and its insert
statements), so the file is what `tg-archive --sync` would have written for such messages.
Prints "<messages> messages, <users> users" on standard output.
"""

import json
import os
import sys
from datetime import datetime, timezone

from tgarchive.db import DB, Message, User

PLACEHOLDERS = {
    "TIMImageElem": "[image]",
    "TIMFileElem": "[file]",
    "TIMSoundElem": "[sound]",
    "TIMVideoFileElem": "[video]",
    "TIMLocationElem": "[location]",
    "TIMFaceElem": "[face]",
    "TIMCustomElem": "[custom]",
    "TIMRelayElem": "[forwarded messages]",
    "TIMGroupTipElem": "[group tip]",
    "TIMGroupSystemNoticeElem": "[group notice]",
}


def element_text(element):
    """The text of one message element: a text element's text, else a placeholder."""
    kind = element.get("MsgType", "") if isinstance(element, dict) else ""
    if kind == "TIMTextElem":
        content = element.get("MsgContent") or {}
        text = content.get("Text") if isinstance(content, dict) else None
        if isinstance(text, str):
            return text
    return PLACEHOLDERS.get(kind, "[{}]".format(kind or "element"))


def message_text(message):
    """One line per element; a message without elements still gets a row."""
    body = message.get("MsgBody")
    if not isinstance(body, list) or not body:
        return "[empty message]"
    return "\n".join(element_text(e) for e in body)


def message_time(message, where):
    """Seconds since the epoch: Timestamp is in milliseconds, MsgTimeStamp in seconds."""
    if isinstance(message.get("Timestamp"), (int, float)):
        return message["Timestamp"] / 1000
    if isinstance(message.get("MsgTimeStamp"), (int, float)):
        return float(message["MsgTimeStamp"])
    raise SystemExit("to-tg-archive: {}: a message without Timestamp".format(where))


def read_messages(records_dir):
    """(seconds, file order, message order, account, text) of every message of every record."""
    rows = []
    names = sorted(n for n in os.listdir(records_dir) if n.endswith(".json"))
    for file_no, name in enumerate(names):
        path = os.path.join(records_dir, name)
        with open(path, "rb") as f:
            record = json.load(f)
        messages = record.get("Messages") if isinstance(record, dict) else None
        if not isinstance(messages, list):
            raise SystemExit("to-tg-archive: {}: no Messages list".format(path))
        for no, m in enumerate(messages):
            if not isinstance(m, dict):
                raise SystemExit("to-tg-archive: {}: message {} is not an object".format(path, no))
            account = m.get("FromAccount", m.get("From_Account", ""))
            rows.append((message_time(m, path), file_no, no, str(account), message_text(m)))
    rows.sort(key=lambda r: r[:3])
    return rows


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: to-tg-archive.py RECORDS_DIR DATA_SQLITE")
    records_dir, dbfile = sys.argv[1], sys.argv[2]
    rows = read_messages(records_dir)
    if os.path.exists(dbfile):
        os.remove(dbfile)
    db = DB(dbfile)
    users = {}
    for msg_id, (seconds, _, _, account, text) in enumerate(rows, start=1):
        user = users.get(account)
        if user is None:
            user = User(id=len(users) + 1, username=account, first_name=account,
                        last_name="", tags=[], avatar=None)
            users[account] = user
            db.insert_user(user)
        db.insert_message(Message(id=msg_id, type="message",
                                  date=datetime.fromtimestamp(seconds, tz=timezone.utc),
                                  edit_date=None, content=text, reply_to=None, user=user,
                                  media=None))
    db.commit()
    print("{} messages, {} users".format(len(rows), len(users)))


if __name__ == "__main__":
    main()
