#!/usr/bin/env python3
"""Looks for every secret a test run used in everything the run logged.

    scan_logs.py LOG_FILE SECRETS_FILE

LOG_FILE: the services' messages with their metadata (TEST_LOG_FILE, written by the tests' logger
at TEST_LOG_LEVEL, default debug). SECRETS_FILE: every password, token, API key, national id, name
and phone number the tests sent or received, one per line (TEST_SECRETS_FILE). A secret is also
looked for with its diacritics removed and in lower case, as search keys hold names. Prints what
it checked; exits 1 naming each secret found (shortened) and the first log line holding it.
"""
import sys
import unicodedata


def folded(text):
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if unicodedata.category(c) != "Mn").lower()


def main():
    log_path, secrets_path = sys.argv[1], sys.argv[2]
    with open(secrets_path, encoding="utf-8") as f:
        secrets = {line.rstrip("\n") for line in f if len(line.rstrip("\n")) >= 8}
    with open(log_path, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    text = "".join(lines)
    folded_text = folded(text)
    found = []
    for secret in sorted(secrets):
        forms = {secret, folded(secret)}
        hit = next((form for form in forms if form in text or form in folded_text), None)
        if hit is None:
            continue
        line = next((l for l in lines if hit in l or hit in folded(l)), "").strip()
        found.append((secret, hit, folded(line) if hit not in line else line))
    print(f"[scan_logs] {len(secrets)} secrets looked for in {len(lines)} log lines ({len(text) // 1024} KiB)")
    for secret, hit, line in found:
        shown = secret[:4] + "…" + secret[-2:] if len(secret) > 8 else secret[:3] + "…"
        print(f"[scan_logs] FOUND {shown!r} (length {len(secret)}) in: {line.replace(hit, '«…»')[:300]}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
