<?php
// PHP-FPM's shape: several worker processes, each request building its own engine on one
// SQLite file, recording and recommending for learners the workers share.
//   php -d ffi.enable=1 tests/php/fpm_workers_test.php LIB.so include/pathwise_ffi.h TMPDIR
// Every acknowledged record must be stored exactly once, each learner's count must agree with
// its stored responses, and no worker may see an error. Exits 1 on a failure, 77 (skipped)
// without FFI or pcntl.
declare(strict_types=1);
require __DIR__ . '/../../examples/php/Pathwise.php';

foreach (['ffi', 'pcntl'] as $ext) {
    if (!extension_loaded($ext)) {
        fwrite(STDERR, "SKIPPED: this PHP has no $ext extension (Debian's php8.2-cli has both)\n");
        exit(77);
    }
}
[, $library, $header, $tmp] = $argv + [null, null, null, sys_get_temp_dir()];
$db = "$tmp/php_fpm_workers.db";
foreach (['', '-wal', '-shm'] as $suffix) {
    @unlink($db . $suffix);
}

$curriculum = json_encode([
    'format' => 'pathwise-curriculum', 'version' => '1.0',
    'skills' => [['id' => 'a'], ['id' => 'b', 'prerequisites' => ['a']]],
    'items' => [
        ['id' => 'a1', 'skills' => ['a']], ['id' => 'a2', 'skills' => ['a']],
        ['id' => 'b1', 'skills' => ['b']], ['id' => 'b2', 'skills' => ['b']],
    ],
], JSON_THROW_ON_ERROR);
$model = json_encode([
    'format' => 'pathwise-bkt-model', 'version' => '1.0',
    'skills' => [
        'a' => ['prior' => 0.4, 'learn' => 0.2, 'guess' => 0.2, 'slip' => 0.1],
        'b' => ['prior' => 0.2, 'learn' => 0.15, 'guess' => 0.25, 'slip' => 0.1],
    ],
], JSON_THROW_ON_ERROR);

const WORKERS = 6;
const REQUESTS = 40;
const LEARNERS = 3;
$items = ['a1', 'a2', 'b1', 'b2'];
$start = 1767225600000;  // 2026-01-01T00:00:00Z

$children = [];
for ($w = 0; $w < WORKERS; $w++) {
    $pid = pcntl_fork();
    if ($pid < 0) {
        fwrite(STDERR, "FAIL fork\n");
        exit(1);
    }
    if ($pid === 0) {
        // A worker: FFI is opened in the worker, as each FPM worker loads it (or inherits the
        // preloaded scope); then one engine per request.
        $pw = Pathwise::open($header, $library);
        $acks = fopen("$tmp/php_fpm_acks_$w", 'w');
        $errors = 0;
        mt_srand(100 + $w);
        for ($r = 0; $r < REQUESTS; $r++) {
            $learner = 'learner-' . mt_rand(0, LEARNERS - 1);
            $item = $items[mt_rand(0, count($items) - 1)];
            try {
                $engine = $pw->engine($curriculum, $model, ['engine' => ['check_clock' => false]],
                                      "sqlite:$db");
                $engine->record($learner, $item, (bool)mt_rand(0, 1), $start + $r * 1000);
                fwrite($acks, "$learner\n");
                $next = $engine->recommend($learner, $start + $r * 1000 + 500);
                // An item of the course, or "" with reason "done" once every goal is mastered.
                $known = $next !== null && (in_array($next['item'], $items, true)
                    || ($next['item'] === '' && $next['reason'] === 'done'));
                if (!$known) {
                    fwrite(STDERR, "worker $w: a recommendation of no course item\n");
                    $errors++;
                }
                $engine->close();
            } catch (PathwiseException $e) {
                fwrite(STDERR, "worker $w: {$e->statusName}: {$e->getMessage()}\n");
                $errors++;
            }
        }
        fclose($acks);
        exit($errors === 0 ? 0 : 1);
    }
    $children[] = $pid;
}

$failed = 0;
function check(bool $ok, string $what): void
{
    global $failed;
    echo ($ok ? 'ok   ' : 'FAIL '), $what, "\n";
    if (!$ok) {
        $failed++;
    }
}

foreach ($children as $w => $pid) {
    pcntl_waitpid($pid, $status);
    check(pcntl_wifexited($status) && pcntl_wexitstatus($status) === 0, "worker $w saw no error");
}
$acked = array_fill(0, LEARNERS, 0);
for ($w = 0; $w < WORKERS; $w++) {
    foreach (file("$tmp/php_fpm_acks_$w", FILE_IGNORE_NEW_LINES) as $line) {
        $acked[(int)substr($line, strlen('learner-'))]++;
    }
    unlink("$tmp/php_fpm_acks_$w");
}
check(array_sum($acked) === WORKERS * REQUESTS, 'every request acknowledged its record');

$pw = Pathwise::open($header, $library);
$engine = $pw->engine($curriculum, $model, ['engine' => ['check_clock' => false]], "sqlite:$db");
for ($l = 0; $l < LEARNERS; $l++) {
    $profile = $engine->profile("learner-$l");
    $export = $engine->exportLearner("learner-$l");
    check($profile['responses'] === $acked[$l],
          "learner $l: the profile counts each of its {$acked[$l]} acknowledged records once");
    check(count($export['responses']) === $acked[$l], "learner $l: the export holds them all");
    $attempts = 0;
    foreach ($profile['skills'] as $state) {
        $attempts += $state['attempts'];
    }
    check($attempts === $acked[$l], "learner $l: the skills' attempts add up to its records");
}
$summary = $engine->classSummary();
check($summary['learners'] === LEARNERS, 'the class summary sees the three learners');
$engine->close();
exit($failed === 0 ? 0 : 1);
