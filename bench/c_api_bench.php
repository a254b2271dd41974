<?php
// The loop of bench/c_api_bench.cpp from PHP through FFI: raw FFI calls, then the calls
// through examples/php/Pathwise.php (which adds a closure, a status check and json_decode).
//   php -d ffi.enable=1 bench/c_api_bench.php LIB.so include/pathwise_ffi.h [calls]
declare(strict_types=1);
require __DIR__ . '/../examples/php/Pathwise.php';
[, $library, $header] = $argv;
$calls = (int)($argv[3] ?? 200000);
$curriculum = '{"format":"pathwise-curriculum","version":"1.0","skills":[{"id":"counting"},'
    . '{"id":"addition","prerequisites":["counting"]}],"items":[{"id":"c1","skills":["counting"]},'
    . '{"id":"c2","skills":["counting"]},{"id":"a1","skills":["addition"]},{"id":"a2","skills":["addition"]}]}';
$model = '{"format":"pathwise-bkt-model","version":"1.0","skills":{'
    . '"counting":{"prior":0.5,"learn":0.2,"guess":0.2,"slip":0.1},'
    . '"addition":{"prior":0.3,"learn":0.2,"guess":0.25,"slip":0.1}}}';
$learners = [];
for ($l = 0; $l < 1000; $l++) {
    $learners[] = "learner-$l";
}
$items = ['c1', 'c2', 'a1', 'a2'];
$start = 1700000000000;
function report(string $what, int $calls, float $seconds): void
{
    printf("%-34s %9d calls %9.0f ns/call %10.0f calls/s\n", $what, $calls, $seconds / $calls * 1e9, $calls / $seconds);
}

$pw = Pathwise::open($header, $library);
$ffi = $pw->ffi;
$e = $ffi->new('pathwise_engine_t*');
if ($ffi->pathwise_engine_create($curriculum, $model, null, 'memory:', FFI::addr($e), null) !== 0) {
    exit(1);
}
foreach ($learners as $who) {  // warm-up: every learner exists before timing
    $ffi->pathwise_record_n($e, $who, strlen($who), 'c1', 2, 1, 0, null);
}
$out = $ffi->new('char*');
$t0 = hrtime(true);
for ($k = 0; $k < $calls; $k++) {
    $who = $learners[$k % 1000];
    if ($ffi->pathwise_recommend_n($e, $who, strlen($who), $start, FFI::addr($out), null) !== 0) {
        exit(1);
    }
    $json = FFI::string($out);
    $first ??= json_decode($json, true)['reason'] ?? 'null';
    $ffi->pathwise_free($out);
}
report("PHP FFI pathwise_recommend_n ($first)", $calls, (hrtime(true) - $t0) / 1e9);
$t0 = hrtime(true);
for ($k = 0; $k < $calls; $k++) {
    $who = $learners[$k % 1000];
    $item = $items[intdiv($k, 1000) % 4];
    if ($ffi->pathwise_record_n($e, $who, strlen($who), $item, strlen($item), $k % 3 ? 1 : 0, $start + $k, null) !== 0) {
        exit(1);
    }
}
report('PHP FFI pathwise_record_n', $calls, (hrtime(true) - $t0) / 1e9);
$ffi->pathwise_engine_destroy($e);

$engine = $pw->engine($curriculum, $model, null, 'memory:');
foreach ($learners as $who) {
    $engine->record($who, 'c1', true, 0);
}
$t0 = hrtime(true);
for ($k = 0; $k < $calls; $k++) {
    $next = $engine->recommend($learners[$k % 1000], $start);
}
report('PHP Pathwise.php recommend (decoded)', $calls, (hrtime(true) - $t0) / 1e9);
$t0 = hrtime(true);
for ($k = 0; $k < $calls; $k++) {
    $engine->record($learners[$k % 1000], $items[intdiv($k, 1000) % 4], $k % 3 !== 0, $start + $k);
}
report('PHP Pathwise.php record', $calls, (hrtime(true) - $t0) / 1e9);
$engine->close();
