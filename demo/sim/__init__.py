"""Simulators for the demo, the tests and the benchmarks: the generated SNMP campus
(:mod:`.campus`) and the snmpsim runner (:mod:`.snmpsim_runner`). Never imported by the library.
"""
