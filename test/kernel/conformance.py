"""Debian's jupyter_kernel_test against the installed greenai kernelspec.

Run by test/kernel/conformance.test.ts with /usr/bin/python3 and JUPYTER_PATH set.
Samples cover what the kernel claims: execute (stdout, stderr), errors, display_data,
completion, inspection, is_complete and kernel_info. execute_result, pager and
clear_output are not claimed (tslab prints values as streams): those tests skip, and so does
test_history, which needs execute_result samples; history_request is tested in protocol.test.ts.
"""
import os
import unittest

import jupyter_kernel_test


class GreenaiKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("GREENAI_KERNEL_NAME", "greenai-test")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'
    code_generate_error = "throw new Error('expected')"
    code_display_data = [
        {"code": "%lsmagic", "mime": "text/html"},
        {"code": "greenai.display(greenai.makeBundle({text: 'hi', html: '<b>hi</b>'}))", "mime": "text/html"},
    ]
    completion_samples = [
        {"text": "%lsmag", "matches": {"lsmagic"}},
        {"text": "Math.fl", "matches": {"floor"}},
    ]
    complete_code_samples = ["1 + 1", "%sleep 1", "let a = {x: 1}"]
    incomplete_code_samples = ["let a = {", "function f() {", "%echo a \\"]
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
