"""Namespace lab builders (Linux network namespaces, veth pairs, bridges) for the demo's sweep
step, the tests and the benchmarks. Root only; packets never leave the namespaces they create.
Never imported by the library.
"""
