"""Resolve a git merge conflict in a .po catalog: the union of both sides' messages, keeping
any translation either side has. Usage (during a conflicted merge): python scripts/merge_po.py PATH..."""
import io
import subprocess
import sys

from babel.messages.pofile import read_po, write_po


def side(path: str, stage: int):
    data = subprocess.run(["git", "show", f":{stage}:{path}"], capture_output=True,
                          check=True).stdout
    return read_po(io.BytesIO(data))


def main(paths):
    for path in paths:
        ours, theirs = side(path, 2), side(path, 3)
        for message in theirs:
            if not message.id:
                continue
            mine = ours.get(message.id, message.context)
            if mine is None:
                ours[message.id] = message
            elif not mine.string and message.string:
                mine.string = message.string
        out = io.BytesIO()
        write_po(out, ours, width=76)
        with open(path, "wb") as fh:
            fh.write(out.getvalue())
        subprocess.run(["git", "add", path], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
