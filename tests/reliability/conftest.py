"""Reliability suite set-up: the counts each test measures are printed as the session's last lines (at
unconfigure, after pytest's own "N passed" line)."""

from __future__ import annotations

import pytest

from tests.reliability import stats


def pytest_unconfigure(config: pytest.Config) -> None:
    terminalreporter = config.pluginmanager.get_plugin("terminalreporter")
    if terminalreporter is None or not (stats.COUNTS or stats.FAULT_TABLE or stats.SECRETS_SCANNED):
        return
    write = terminalreporter.write_line
    if stats.FAULT_TABLE:
        write("fault matrix (class x rate -> outcome):")
        rates = sorted({rate for _, rate in stats.FAULT_TABLE})
        classes = sorted({kind for kind, _ in stats.FAULT_TABLE})
        write("  " + "class".ljust(34) + "".join(rate.ljust(30) for rate in rates))
        for kind in classes:
            write("  " + kind.ljust(34) + "".join(stats.FAULT_TABLE.get((kind, r), "-").ljust(30) for r in rates))
    # A part of the suite this session did not run (CI runs the fast and the slow tiers as two sessions) is
    # named as such rather than counted as zero.
    write("reliability counts (this session):")
    if stats.COUNTS["bad_inputs"]:
        write(f"  bad inputs: {stats.COUNTS['bad_inputs']} "
              f"(errors {stats.COUNTS['bad_inputs_error']}, held {stats.COUNTS['bad_inputs_held']}, "
              f"API {stats.COUNTS['bad_inputs_api']})")
    else:
        write("  bad inputs: not run in this session")
    if stats.SECRETS_SCANNED:
        write(f"  secret values scanned: {len(stats.SECRETS_SCANNED)} over {stats.COUNTS['secret_scan_bytes']} bytes "
              f"of logs and {stats.COUNTS['secret_scan_cells']} database cells; hits {stats.COUNTS['secret_hits']}")
    else:
        write("  secret scan: not run in this session")
    if stats.FAULT_TABLE:
        write(f"  fault classes x rates: {len(stats.FAULT_TABLE)} ({len({k for k, _ in stats.FAULT_TABLE})} classes)")
    else:
        write("  fault matrix: not run in this session")
    trials = stats.COUNTS["crash_trials"]
    if not trials and not stats.COUNTS["staging_crash_trials"]:
        write("  crash trials: not run in this session")
        return
    write(f"  crash trials: {trials} posting "
          f"({stats.COUNTS['crash_kills']} SIGKILLs, {stats.COUNTS['crash_reauthorised']} ended in an invalid_grant block "
          f"resumed by re-authorising; {stats.COUNTS['crash_documents'] // max(1, trials)} documents per trial on "
          f"average, {stats.COUNTS['crash_trial_ms'] / 1000 / max(1, trials):.1f} s each), "
          f"{stats.COUNTS['staging_crash_trials']} staging")
