"""The one rule for names that look like they carry a secret (Python 3.9, stdlib only).

Run properties, job arguments and start-time parameters are stored and shown in plain
text by Glue (console, logs, ``GetWorkflowRun``), so a name that says it holds a
credential is refused everywhere: the definition, ``glue-wf run -p``, the console, and
the failure reasons jobs record. A name that *refers* to a secret (ends in ``_arn``,
``_name``, ``_id`` or ``_ref``) is accepted: that is what ``SECRET_HINT`` tells users
to write instead. It lives in the job library because jobs apply it on Glue too.
"""

from __future__ import annotations

import re

# S105 is silenced below: this is advice text, not a password.
SECRET_HINT = (
    "keep the secret in AWS Secrets Manager or SSM Parameter Store and pass its ARN or "  # noqa: S105
    "name under a key ending in _arn or _name (e.g. db_password_secret_arn) for the job "
    "to read at run time"
)

# Words that say "this value is a credential" wherever they appear inside a word.
_SECRET_STEMS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
)
# Short words refused only as whole words ("token" yes, "tokenizer" no).
_SECRET_WORDS = frozenset({"pwd", "token", "tokens"})
# Adjacent word pairs that name a credential.
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("auth", "key")}
)
# A last word that makes the name a reference to a secret, not the secret itself.
_REFERENCE_SUFFIXES = frozenset({"arn", "name", "id", "ref", "uri", "path"})
# With one of these, "tokens" are a quantity (max_tokens, token_count: language models'
# hyperparameters), not a credential.
_COUNT_WORDS = frozenset(
    {"max", "min", "num", "n", "count", "limit", "length", "len", "size", "total", "per"}
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_AWS_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]


def looks_like_secret(name: str) -> bool:
    """True when ``name`` (a run property, argument key or parameter) names a credential."""
    words = _words(name)
    if not words:
        return False
    pairs = set(zip(words, words[1:]))
    if ("access", "key") in pairs or "accesskey" in words:
        return True  # an AWS access key id is itself a credential, even "..._id"
    if words[-1] in _REFERENCE_SUFFIXES and len(words) > 1:
        return False
    counted = bool(_COUNT_WORDS.intersection(words))
    return (
        any(stem in word for word in words for stem in _SECRET_STEMS)
        or (bool(_SECRET_WORDS.intersection(words)) and not counted)
        or bool(_SECRET_PAIRS & pairs)
    )


def looks_like_access_key_id(value: str) -> bool:
    """True when ``value`` contains what looks like an AWS access key id."""
    return bool(_AWS_ACCESS_KEY_ID.search(value))


# Values that are credentials whatever the key holding them says, by their documented
# shapes: a URL's user:password@ (RFC 3986 userinfo), GitHub tokens (ghp_/gho_/ghu_/
# ghs_/ghr_, github_pat_), Slack tokens (xox?-), a PEM private key, an HTTP Basic or
# Bearer credential, and a 40-character AWS secret access key (mixed case and digits,
# not a hex digest).
_SECRET_VALUES = (
    # a scheme starts where no scheme character precedes it, and is bounded (real ones
    # are short): else each start inside a long run of letters scans to the run's end,
    # quadratic in the value's length (a 260 KB argument took minutes)
    (
        "a password in a URL",
        re.compile(r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,31}://[^/\s:@]+:[^/\s@]+@", re.I),
    ),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,})")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    ("an HTTP credential", re.compile(r"\b(?:Basic|Bearer)\s+[A-Za-z0-9._~+/-]{12,}=*")),
)
_AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")


def secret_value_kind(value: str) -> str | None:
    """What credential ``value`` holds by its shape ("an AWS access key id", ...), or None."""
    if _AWS_ACCESS_KEY_ID.search(value):
        return "an AWS access key id"
    for kind, pattern in _SECRET_VALUES:
        if pattern.search(value):
            return kind
    if "://" in value or value.startswith("/"):
        return None  # a URI or a path: its segments joined by "/" are no key
    for match in _AWS_SECRET_KEY.finditer(value):
        text = match.group(0)
        mixed = any(c.isupper() for c in text) and any(c.islower() for c in text)
        if mixed and any(c.isdigit() for c in text) and text.count("/") <= 3:
            return "an AWS secret access key"
    return None


REDACTED = "[redacted]"
# ``name=value`` / ``name: value`` / ``"name": "value"`` inside free text (a name starts
# where no name character precedes it: linear in the text, as the scheme above).
_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z_][A-Za-z0-9_.-]{0,127})(?P<sep>["']?\s*[:=]\s*["']?)(?P<value>[^\s"',;)}\]]+)"""
)


def redact(text: str, secret_values: tuple[str, ...] = ()) -> str:
    """``text`` without what the rule above calls a secret.

    Removes AWS access key ids, the value of any ``name=value`` / ``name: value`` pair
    whose name looks like a secret, and every occurrence of ``secret_values`` (e.g. the
    values of job arguments whose names look like secrets).
    """
    for value in sorted({v for v in secret_values if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    text = _AWS_ACCESS_KEY_ID.sub(REDACTED, text)

    def _pair(match: re.Match[str]) -> str:
        if not looks_like_secret(match.group("key")):
            return match.group(0)
        return match.group("key") + match.group("sep") + REDACTED

    return _ASSIGNMENT.sub(_pair, text)
