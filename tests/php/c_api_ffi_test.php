<?php
// The C API's failure paths from PHP through FFI, and the two ways PHP loads the header:
//   php -d ffi.enable=1 tests/php/c_api_ffi_test.php LIB.so include/pathwise_ffi.h TMPDIR
// Prints one line per check; exits 1 if any fails, 77 (skipped) without FFI.
declare(strict_types=1);
require __DIR__ . '/../../examples/php/Pathwise.php';

if (!extension_loaded('ffi')) {
    fwrite(STDERR, "SKIPPED: this PHP has no FFI extension (Debian: php8.2-cli has it)\n");
    exit(77);
}
[, $library, $header, $tmp] = $argv + [null, null, null, sys_get_temp_dir()];
$failed = 0;
function check(bool $ok, string $what): void
{
    global $failed;
    echo ($ok ? 'ok   ' : 'FAIL '), $what, "\n";
    if (!$ok) {
        $failed++;
    }
}
function failure(callable $f): ?PathwiseException
{
    try {
        $f();
    } catch (PathwiseException $e) {
        return $e;
    }
    return null;
}

$curriculum = '{"format":"pathwise-curriculum","version":"1.0",'
    . '"skills":[{"id":"counting"},{"id":"addition","prerequisites":["counting"]}],'
    . '"items":[{"id":"c1","skills":["counting"]},{"id":"a1","skills":["addition"]}]}';
$model = '{"format":"pathwise-bkt-model","version":"1.0","skills":{'
    . '"counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},'
    . '"addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}}';

// 1. FFI::cdef with pathwise_ffi.h as shipped.
$pw = Pathwise::open($header, $library);
$n = $pw->versionNumber();
check(sprintf('%d.%d.%d', intdiv($n, 10000), intdiv($n, 100) % 100, $n % 100) === $pw->version(),
      'version number matches the version string');
$names = [0 => 'ok', 1 => 'invalid_argument', 2 => 'parse', 3 => 'io', 4 => 'unknown_skill',
          5 => 'unknown_item', 6 => 'unknown_learner', 7 => 'version', 8 => 'internal', 9 => 'busy',
          10 => 'corrupt', 11 => 'unknown', -1 => 'unknown'];
$all = true;
foreach ($names as $status => $name) {
    $all = $all && $pw->statusString($status) === $name;
}
check($all, 'status strings');
check($pw->ffi->PATHWISE_BUSY === 9 && $pw->ffi->PATHWISE_OK === 0, 'status enumerators visible to PHP');

// 2. Bad JSON: a status and a message, nothing thrown across the boundary.
$e = failure(fn() => $pw->engine('{not json', $model));
check($e !== null && $e->statusName === 'parse' && $e->getCode() === 2 && $e->getMessage() !== '',
      'bad curriculum JSON: parse status with a message');
$e = failure(fn() => $pw->engine($curriculum, $model, ['mastery_treshold' => 0.9]));
check($e !== null && $e->statusName === 'invalid_argument' && str_contains($e->getMessage(), 'mastery_treshold'),
      'unknown setting named');
$e = failure(fn() => $pw->fitReportText("user_id,skill_name,correct\nu,a,1\n", ['read' => ['colums' => []]]));
check($e !== null && str_contains($e->getMessage(), 'read.colums'), 'unknown read option named');

// 3. NUL inside an id: refused, never cut short.
$engine = $pw->engine($curriculum, $model);
$e = failure(fn() => $engine->record("u1\0evil", 'a1', true, 1700000000000));
check($e !== null && $e->statusName === 'invalid_argument' && str_contains($e->getMessage(), 'NUL')
      && !str_contains($e->getMessage(), 'evil'), 'NUL in a learner id is an error that does not echo the id');
check($engine->profile('u1')['responses'] === 0, 'nothing recorded under the id cut at NUL');
$e = failure(fn() => $engine->record('u1', "a1\0", true, 1700000000000));
check($e !== null && str_contains($e->getMessage(), 'item'), 'NUL in an item id is an error');
$e = failure(fn() => $engine->profile("\0"));
check($e !== null && $e->statusName === 'invalid_argument', 'NUL-only id refused');

// 4. The engine works through the _n calls; hand-worked BKT: 0.27 / 0.445 + learning.
$engine->record('u1', 'a1', true, 1700000000000);
$p = $engine->profile('u1');
$k = 0.3 * 0.9 / 0.445;
$k = $k + (1 - $k) * 0.2;
check(abs($p['skills']['addition']['p_known'] - $k) < 1e-12, 'record then profile: P(known) as worked by hand');
$e = failure(fn() => $engine->record('u1', 'nope', true, 1700000000000));
check($e !== null && $e->statusName === 'unknown_item', 'unknown item status');
$e = failure(fn() => $engine->exportLearner('nobody'));
check($e !== null && $e->statusName === 'unknown_learner', 'unknown learner status');
$e = failure(fn() => $engine->setGoals('u1', ['calculus']));
check($e !== null && $e->statusName === 'unknown_skill', 'unknown skill status');
check($engine->eraseLearner('u1') === true && $engine->eraseLearner('u1') === false, 'erase tells whether anything was held');

// 5. Fitting and prediction from PHP strings.
$log = "user_id,skill_name,correct\nu1,addition,1\nu1,addition,0\n";
$pred = $pw->predictText($model, $log);
check(abs($pred['p_correct'][0] - 0.445) < 1e-12 && abs($pred['p_known_after'][0] - $k) < 1e-12,
      'predict from a PHP string: P(correct) and P(known) as worked by hand');
$fit = $pw->fitReportText($log, ['fixed' => ['prior' => 0.3, 'learn' => 0.2, 'guess' => 0.25, 'slip' => 0.1]]);
check(abs($fit['report']['log_likelihood'] - (log(0.445) + log(1 - (($k * 0.9) + (1 - $k) * 0.25)))) < 1e-9,
      'fit report log-likelihood as worked by hand');
$e = failure(fn() => $pw->evaluateText($model, $log, ['skip_unknown' => true]));
check($e !== null && str_contains($e->getMessage(), 'skip_unknown'), 'unknown evaluate option named');
$e = failure(fn() => $pw->fitFile($tmp . '/does-not-exist.csv'));
check($e !== null && $e->statusName === 'io', 'missing log file: io status');

// 6. FFI::load with FFI_SCOPE / FFI_LIB lines prepended (what opcache.preload runs).
$preload = $tmp . '/pathwise_preload_' . getmypid() . '.h';
file_put_contents($preload, "#define FFI_SCOPE \"PATHWISE\"\n#define FFI_LIB \"$library\"\n" . file_get_contents($header));
$loaded = FFI::load($preload);
unlink($preload);
check($loaded !== null && Pathwise::fromFfi($loaded)->versionNumber() === $pw->versionNumber(), 'FFI::load of the header with FFI_SCOPE and FFI_LIB');

$engine->close();
if ($failed) {
    fwrite(STDERR, "$failed checks failed\n");
    exit(1);
}
echo "all checks passed\n";
