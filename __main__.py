"""`python -m netcmdb` runs the CLI (tests use it so no console script is needed)."""

from netcmdb.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()
