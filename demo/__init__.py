"""The demo county: realistic export files, dirt included, for the real pipeline.

Only the command line (`civic generate`, `civic demo`), tests and benchmarks
import this package; production code never does (the layer contract holds it).
"""
