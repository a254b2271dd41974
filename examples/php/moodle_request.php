<?php
// One Moodle-style request through Pathwise's C API from PHP 8 (FFI): a quiz attempt is
// graded, the engine records it, picks the learner's next question and says why; then the
// learner's data is exported and erased, as a privacy request would.
//
//   php -d ffi.enable=1 examples/php/moodle_request.php LIB.so include/pathwise_ffi.h [DB]
//
// In a real plugin the engine is built once per worker from the course's curriculum and model
// (FFI preloaded with opcache.preload, see docs/c-api.md), and the store is a SQLite file or a
// PostgreSQL database shared by every PHP-FPM worker.
declare(strict_types=1);
require __DIR__ . '/Pathwise.php';

if (!extension_loaded('ffi')) {
    fwrite(STDERR, "SKIPPED: this PHP has no FFI extension (Debian: php8.2-cli has it)\n");
    exit(77);
}
[$self, $library, $header] = array_pad($argv, 3, null);
$db = $argv[3] ?? (sys_get_temp_dir() . '/pathwise-moodle-' . getmypid() . '.db');
if ($library === null || $header === null) {
    fwrite(STDERR, "usage: php -d ffi.enable=1 $self LIB.so pathwise_ffi.h [profiles.db]\n");
    exit(2);
}

// What the plugin keeps per course: the curriculum and the fitted model (JSON documents).
$curriculum = json_encode([
    'format' => 'pathwise-curriculum', 'version' => '1.0',
    'skills' => [['id' => 'whole-numbers'], ['id' => 'fractions', 'prerequisites' => ['whole-numbers']]],
    'items' => [
        ['id' => 'q-wn-01', 'skills' => ['whole-numbers']],
        ['id' => 'q-wn-02', 'skills' => ['whole-numbers']],
        ['id' => 'q-frac-07', 'skills' => ['fractions']],
        ['id' => 'q-frac-08', 'skills' => ['fractions'], 'difficulty' => 0.7],
    ],
], JSON_THROW_ON_ERROR);
$model = json_encode([
    'format' => 'pathwise-bkt-model', 'version' => '1.0',
    'skills' => [
        'whole-numbers' => ['prior' => 0.6, 'learn' => 0.2, 'guess' => 0.2, 'slip' => 0.1],
        'fractions' => ['prior' => 0.3, 'learn' => 0.15, 'guess' => 0.25, 'slip' => 0.1],
    ],
], JSON_THROW_ON_ERROR);

$pw = Pathwise::open($header, $library);
echo "Pathwise ", $pw->version(), " (", $pw->versionNumber(), ") through FFI\n";

// The request: $USER->id becomes an opaque learner id; the question attempt is graded.
$learner = 'moodle-user-' . hash('sha256', 'site-secret/42');
$now = 1767225600000;  // 2026-01-01T00:00:00Z, in milliseconds
$engine = $pw->engine($curriculum, $model, ['engine' => ['check_clock' => false]], "sqlite:$db");
$engine->record($learner, 'q-wn-01', true, $now);
$engine->record($learner, 'q-wn-02', true, $now + 60000);

$next = $engine->recommend($learner, $now + 120000);
if ($next === null) {
    throw new RuntimeException('expected a recommendation');
}
printf("next question: %s (%s, skill %s, P(correct) %.2f)\n", $next['item'], $next['reason'],
       $next['skill'], $next['p_correct']);
echo "why: ", $next['explanation'], "\n";

$profile = $engine->profile($learner);
foreach ($profile['skills'] as $skill => $state) {
    printf("  %-14s P(known) %.3f after %d attempts\n", $skill, $state['p_known'], $state['attempts']);
}

// A data request: everything held on the learner, then erasure.
$export = $engine->exportLearner($learner);
printf("export: %s %s, %d responses\n", $export['format'], $export['version'], count($export['responses']));
$erased = $engine->eraseLearner($learner);
echo "erased: ", $erased ? 'yes' : 'no', "\n";

// Checks, so that CI fails when the FFI path breaks.
// BKT by hand: two correct answers on whole-numbers (prior 0.6, learn 0.2, guess 0.2, slip 0.1).
$expected = 0.6;
for ($i = 0; $i < 2; $i++) {
    $expected = $expected * 0.9 / ($expected * 0.9 + (1 - $expected) * 0.2);  // posterior
    $expected = $expected + (1 - $expected) * 0.2;                           // learning step
}
$first = $export['responses'][0] ?? null;
$ok = abs($profile['skills']['whole-numbers']['p_known'] - $expected) < 1e-12
    && $erased && count($export['responses']) === 2 && $first['item'] === 'q-wn-01'
    && $export['profile']['learner'] === $learner
    && $engine->profile($learner)['responses'] === 0
    && in_array($next['reason'], ['practice', 'challenge', 'remediate', 'prerequisite', 'review', 'done', 'help'], true);
try {
    $engine->exportLearner($learner);
    $ok = false;  // erased: nothing left to export
} catch (PathwiseException $e) {
    $ok = $ok && $e->statusName === 'unknown_learner';
}
$engine->close();
foreach (['', '-wal', '-shm'] as $suffix) {
    @unlink($db . $suffix);
}
if (!$ok) {
    fwrite(STDERR, "FAILED: unexpected results\n");
    exit(1);
}
echo "ok\n";
