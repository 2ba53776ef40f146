"""The `emulator` command's flags become EmulatorOptions: fault flags make its FaultConfig."""

from __future__ import annotations

import pytest

from reconciler.emulator.app import EmulatorOptions
from reconciler.emulator.controls import EmulatorOptionError
from reconciler.emulator.faults import FaultConfig


def test_fault_flags_make_the_fault_config_and_the_rest_stay_options() -> None:
    options = EmulatorOptions.from_flags(
        {
            "error_rate": 0.25,
            "latency_ms": 40,
            "fault_seed": 7,
            "fault_paths": "^PUT ",
            "rate_limit_per_minute": 0,
            "processing_delay": 0.05,
        }
    )
    assert options.faults == FaultConfig(error_rate=0.25, latency_ms=40, seed=7, paths="^PUT ")
    assert (options.rate_limit_per_minute, options.processing_delay) == (0, 0.05)
    assert EmulatorOptions.from_flags({}) == EmulatorOptions()
    assert not EmulatorOptions().faults.active


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"drop_rate": 2.0}, "emulator option drop_rate: must be between 0 and 1"),
        ({"fault_paths": "("}, "emulator option fault_paths: not a valid regular expression"),
        ({"max_body_bytes": -1}, "emulator option max_body_bytes: must not be negative"),
    ],
)
def test_a_bad_flag_is_an_option_error_naming_it(flags: dict[str, object], message: str) -> None:
    with pytest.raises(EmulatorOptionError, match=message):
        EmulatorOptions.from_flags(flags)
