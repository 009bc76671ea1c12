"""``sdkgen check``: generate, build and run the SDKs on shared fixtures; compare with the expected outputs.

cases.py collects the cases (models + fixture directories) and probes raw ONNX Runtime;
python_lang.py, go_lang.py and java_lang.py generate, build and run one testee per
language over every case at once; compare.py compares values; outcome.py applies the
expected-failure lists; report.py prints the table and the JUnit XML; run.py ties it up.
"""
