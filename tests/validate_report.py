#!/usr/bin/python3
"""Validate vssdoctor reports for the test suite.

validate_report.py json SCHEMA FILE   every line (JSON Lines) or the whole
                                      file against the JSON Schema
validate_report.py junit FILE         parse with junitparser (a JUnit
                                      consumer from Debian) and print
                                      "suites tests failures errors skipped"
Exit 0 valid, 1 invalid (the reason on stderr).
"""
import json
import sys


def check_json(schema_path, path):
    import jsonschema
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    text = open(path).read()
    docs = []
    try:
        docs = [json.loads(text)]
    except json.JSONDecodeError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for doc in docs:
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            e = errors[0]
            sys.stderr.write("invalid at %s: %s\n" % ("/".join(map(str, e.path)), e.message))
            return 1
    print(len(docs))
    return 0


def check_junit(path):
    from junitparser import JUnitXml
    xml = JUnitXml.fromfile(path)
    suites = list(xml) if xml._tag == "testsuites" else [xml]
    tests = failures = errors = skipped = 0
    for s in suites:
        cases = list(s)
        tests += len(cases)
        for c in cases:
            for r in c.result:
                kind = type(r).__name__
                failures += kind == "Failure"
                errors += kind == "Error"
                skipped += kind == "Skipped"
        if s.tests != len(cases):
            sys.stderr.write("suite %s says tests=%s, holds %d\n" % (s.name, s.tests, len(cases)))
            return 1
    print(len(suites), tests, failures, errors, skipped)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "json":
        sys.exit(check_json(sys.argv[2], sys.argv[3]))
    sys.exit(check_junit(sys.argv[2]))
