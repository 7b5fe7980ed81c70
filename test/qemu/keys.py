"""Typing on the guest's PS/2 keyboard through QEMU's monitor: text to
`sendkey` commands (US layout), for the harness's ("monitor", [...]) step.

    sendkeys("echo Hi!\\n")         -> ["sendkey e 20", ..., "sendkey ret 20"]
    key("ctrl-c"), key("caps_lock") -> one command for a named key or chord
"""

# Hold each key 20 ms: long enough to register, short enough that the
# release comes before the next press even when keys repeat ("ll").
HOLD_MS = 20

_PLAIN = {" ": "spc", "\n": "ret", "\r": "ret", "\t": "tab", "\b": "backspace",
          "-": "minus", "=": "equal", "[": "bracket_left", "]": "bracket_right",
          "\\": "backslash", ";": "semicolon", "'": "apostrophe", "`": "grave_accent",
          ",": "comma", ".": "dot", "/": "slash"}
_SHIFTED = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8",
            "(": "9", ")": "0", "_": "minus", "+": "equal", "{": "bracket_left",
            "}": "bracket_right", "|": "backslash", ":": "semicolon", '"': "apostrophe",
            "~": "grave_accent", "<": "comma", ">": "dot", "?": "slash"}


def key(name):
    """One sendkey command: a QEMU key name or chord ("ctrl-c", "shift-a", "up")."""
    return f"sendkey {name} {HOLD_MS}"


def sendkeys(text):
    commands = []
    for ch in text:
        if ch.islower() or ch.isdigit():
            name = ch
        elif ch.isupper():
            name = "shift-" + ch.lower()
        elif ch in _PLAIN:
            name = _PLAIN[ch]
        elif ch in _SHIFTED:
            name = "shift-" + _SHIFTED[ch]
        else:
            raise ValueError(f"no key for {ch!r}")
        commands.append(key(name))
    return commands
