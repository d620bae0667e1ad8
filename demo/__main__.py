"""``python -m netcmdb.demo OUTDIR`` (what ``make demo`` runs)."""

from netcmdb.demo import main

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
