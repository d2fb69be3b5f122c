"""De-duplicate lstm_ref/data/glossary.csv in place.

Usage: python tools/dedup_glossary.py

Rows with the same English term (case-insensitive) and chapter are merged into the first one: its
empty fields are filled from the later rows, and differing notes are joined with "; ". Row order is
otherwise kept, so each chapter's block stays where it was appended. Chapter 00 renders the result
merged across chapters.
"""
import csv
import io
import pathlib

PATH = pathlib.Path(__file__).resolve().parents[1] / "lstm_ref" / "data" / "glossary.csv"
COLUMNS = ["english", "chinese", "symbol", "chapter", "note"]


def dedup(rows):
    merged, order = {}, []
    for row in rows:
        row = {k: (row.get(k) or "").strip() for k in COLUMNS}
        key = (row["english"].lower(), row["chapter"])
        if key not in merged:
            merged[key] = row
            order.append(key)
            continue
        first = merged[key]
        for k in ("chinese", "symbol"):
            if not first[k]:
                first[k] = row[k]
        if row["note"] and row["note"] not in first["note"]:
            first["note"] = "; ".join(n for n in (first["note"], row["note"]) if n)
    return [merged[k] for k in order]


def main():
    rows = list(csv.DictReader(PATH.read_text(encoding="utf-8").splitlines()))
    out = dedup(rows)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    PATH.write_text(buf.getvalue(), encoding="utf-8")
    print(f"{len(rows)} rows -> {len(out)} rows")


if __name__ == "__main__":
    main()
