import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

# The quick tier (`scripts/test.sh --quick`, or `pytest -m quick`): files of
# unit tests that train nothing longer than a step and start no subprocess
# worth mentioning, so a contributor runs them on every change. Tests marked
# `slow` in these files stay out of the tier.
QUICK_FILES = {
    "test_validation.py",
    "test_layers_losses.py",
    "test_priors.py",
    "test_multiprocess.py",
    "test_gpu_run.py",
    "test_readme.py",
    "test_import_structure.py",
    "test_suite_tiers.py",
}


# Tests whose subject does not depend on the Keras backend: NumPy validation
# tables, the safe loader's walk over a config, names and paths, HTTP and cache
# handling against the loopback Hub, the import graph, packaging, argument
# errors of the command line, NumPy metric formulas; and the smoke runs of the
# example and benchmark scripts, whose code is the same on every backend (each
# model they train trains on every backend in its own tests; the benchmarks
# with code per backend, train_step.py and torch_layout.py, and the training
# of every preset's recipe stay on every backend). A multi-backend run
# (`scripts/test.sh`) runs them on its first backend only: it sets
# KERAS_PERCEPTUAL_TEST_LEG=other for the others, which deselects them there.
# Run alone, pytest runs everything. A file name maps to None (the whole file)
# or to the names of its backend-independent test functions.
BACKEND_INDEPENDENT = {
    "test_suite_tiers.py": None,
    "test_vaegan_examples.py": None,
    "test_aae_iae_examples.py": None,
    "test_deepsim_examples.py": None,
    "test_conditional_vaegan_benchmark.py": None,
    "test_vaegan_kl_weight_benchmark.py": None,
    "test_clustering_benchmark.py": None,
    "test_import_structure.py": None,
    "test_package_import.py": None,
    "test_safe_loading.py": None,
    "test_cli_errors.py": None,
    "test_wheel.py": None,
    "test_cli_help.py": {
        "test_help_is_under_one_second_and_quiet",
        "test_parser_and_package_import_no_framework",
        "test_every_option_has_help_text",
        "test_train_help_lists_every_recipe_with_its_description",
        "test_list_is_fast_and_imports_no_framework",
        "test_list_filters",
    },
    "test_validation.py": {
        "test_contract_refuses",
        "test_constructors_refuse",
        "test_evaluator_metrics_refuse",
        "test_metrics_refuse",
        "test_sixteen_bit_png_is_scaled_not_clipped",
        "test_files_and_datasets_refuse",
        "test_validation_helpers_return_canonical_values",
    },
    "test_presets.py": {
        "test_unknown_name_raises_and_lists_known_presets",
        "test_unknown_name_says_did_you_mean",
        "test_every_spec_is_typed_and_consistent",
        "test_quality_tables_read_the_baselines",
        "test_registering_a_name_twice_differently_is_refused",
        "test_list_presets_and_model_presets",
        "test_model_classes_name_the_real_ancestry",
        "test_families_and_tasks_come_from_the_specs",
        "test_celeba64_explains_how_to_get_weights",
        "test_resealed_altered_folder_is_refused_under_its_registered_name",
        "test_unpinned_bundled_folder_is_refused",
        "test_committed_pins_match_the_bundled_folders",
        "test_pin_command_rewrites_the_family_pins",
        "test_ambiguous_short_name",
    },
    "test_hub.py": {
        "test_save_pretrained_rejects_bad_metadata",
        "test_download_then_cache_with_server_stopped_then_offline",
        "test_local_files_only_without_cache_says_what_to_do",
        "test_no_network_and_no_cache",
        "test_pinned_revision",
        "test_tampered_download_is_refused_and_dropped_from_cache",
        "test_tampered_local_file_is_refused_and_kept",
        "test_missing_file",
        "test_failed_download_leaves_no_partial_file",
        "test_corrupt_config_json",
        "test_serialized_code_is_refused",
        "test_push_to_hub_uploads_a_verified_folder",
        "test_push_after_editing_the_card_rehashes_it",
        "test_force_download",
        "test_every_download_failure_is_a_preset_error_and_one_cli_line",
    },
    "test_metrics.py": {
        "test_the_judge_is_never_a_network_a_preset_trains_against",
        "test_frechet_identical_and_shifted",
        "test_frechet_closed_form_for_diagonal_gaussians",
        "test_frechet_matches_reference",
        "test_frechet_singular_covariances_stay_finite",
        "test_frechet_eps_fallback_when_sqrtm_is_not_finite",
        "test_frechet_bad_input",
        "test_kid_matches_double_loop",
        "test_kid_same_vs_shifted_distribution",
        "test_kid_bad_input",
        "test_confident_fraction_hand_computed",
        "test_class_agreement_hand_computed",
        "test_linear_probe",
        "test_linear_probe_bad_input",
        "test_no_framework_imports",
    },
    "test_multiprocess.py": {
        "test_one_process_when_nothing_or_a_count_of_one_is_given",
        "test_flags_give_the_cluster_and_win_over_the_environment",
        "test_each_value_from_the_first_source_that_gives_it",
        "test_slurm_gives_rank_count_and_the_first_host_on_jaxs_port",
        "test_first_host_of_slurm_host_lists",
        "test_bad_cluster_settings_are_refused_naming_the_flag_or_variable",
    },
    "test_gpu_run.py": {
        "test_peaks_match_the_card_name_most_specific_first",
        "test_fraction_of_peak_uses_the_policys_own_peak",
        "test_training_steps_are_the_scaled_budget_or_what_the_time_affords",
    },
    "test_train_step_benchmark.py": {
        "test_summarise_takes_medians_of_the_rounds",
        "test_matrix_runs_each_configuration_in_its_own_process",
    },
    "test_train_presets.py": {
        "test_claim_verdicts_separate_noise_from_a_result",
        "test_probe_claim_is_decided_by_the_seeds_file_when_there_is_one",
    },
}


def is_backend_independent(item):
    names = BACKEND_INDEPENDENT.get(Path(str(item.fspath)).name, ())
    return names is None or getattr(item, "originalname", item.name) in names


def pytest_collection_modifyitems(config, items):
    other_leg = os.environ.get("KERAS_PERCEPTUAL_TEST_LEG") == "other"
    keep, deselected = [], []
    for item in items:
        if Path(str(item.fspath)).name in QUICK_FILES and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.quick)
        (deselected if other_leg and is_backend_independent(item) else keep).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = keep


@pytest.fixture(autouse=True)
def _seed_and_clear():
    keras.utils.set_random_seed(0)
    yield
    # Keras' global state (layer names, the TensorFlow graph) reset after each
    # test. Without a full garbage collection each time (free_memory=False):
    # it cost 0.6 s a test, about a third of the suite's time; Python's own
    # collector still runs as it always does.
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def backend():
    return keras.backend.backend()


@pytest.fixture
def random_images():
    def make(n=8, size=28, channels=1, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (n, size, size, channels)).astype("float32")

    return make
