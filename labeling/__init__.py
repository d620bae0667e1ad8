"""Asset labels: the building-floor-room naming rule (``rule``), seat assignment and the
technician's U-order walk (``assign``), label checks (``check``), and printouts: PDF sheets
(``print_pdf``, stock in ``data/templates.toml``), Zebra ZPL (``print_zpl``) and CSV for label
software (``print_csv``).

Data flow: labeling reads the CMDB (``cmdb``) and never imports the CLI; ``rule``, ``codes``
and ``templates`` are pure and import nothing from the CMDB.
"""
