<?php
// A small PHP 8 wrapper over libpathwise.so through FFI: one call per C API function, JSON
// decoded into arrays, a failed call thrown as PathwiseException with the status and message.
// Ids go through the `_n` functions with their byte length: a PHP string may hold NUL, which
// Pathwise refuses instead of cutting the id short.
declare(strict_types=1);

final class PathwiseException extends RuntimeException
{
    public function __construct(public readonly string $statusName, int $status, string $message)
    {
        parent::__construct($message, $status);
    }
}

final class Pathwise
{
    public const OK = 0;
    public const BUSY = 9;

    private function __construct(public readonly FFI $ffi)
    {
    }

    /** Loads the library with FFI::cdef: `$header` is pathwise_ffi.h, `$library` the .so. */
    public static function open(string $header, string $library): self
    {
        return new self(FFI::cdef(file_get_contents($header), $library));
    }

    /** The scope preloaded with FFI::load (opcache.preload, ffi.enable=preload under FPM). */
    public static function fromScope(string $scope = 'PATHWISE'): self
    {
        return new self(FFI::scope($scope));
    }

    /** Wraps an FFI object made some other way (FFI::load in a script). */
    public static function fromFfi(FFI $ffi): self
    {
        return new self($ffi);
    }

    public function version(): string
    {
        return $this->ffi->pathwise_version();
    }

    public function versionNumber(): int
    {
        return $this->ffi->pathwise_version_number();
    }

    public function statusString(int $status): string
    {
        return $this->ffi->pathwise_status_string($status);
    }

    /** Runs `$call($out, $err)`; returns the string left in `$out` (or null), throws on error. */
    public function call(callable $call): ?string
    {
        $out = $this->ffi->new('char*');
        $err = $this->ffi->new('char*');
        $status = $call(FFI::addr($out), FFI::addr($err));
        if ($status !== self::OK) {
            $message = FFI::isNull($err) ? '' : FFI::string($err);
            $this->ffi->pathwise_free($err);
            throw new PathwiseException($this->ffi->pathwise_status_string($status), $status, $message);
        }
        if (FFI::isNull($out)) {
            return null;
        }
        $text = FFI::string($out);
        $this->ffi->pathwise_free($out);
        return $text;
    }

    /** Decodes a JSON result (objects as arrays). */
    public static function decode(?string $json): mixed
    {
        return $json === null ? null : json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    public function engine(string $curriculumJson, string $modelJson, ?array $config = null,
                           ?string $storeUrl = null): PathwiseEngine
    {
        $engine = $this->ffi->new('pathwise_engine_t*');
        $configJson = $config === null ? null : json_encode($config, JSON_THROW_ON_ERROR);
        $this->call(fn($out, $err) => $this->ffi->pathwise_engine_create(
            $curriculumJson, $modelJson, $configJson, $storeUrl, FFI::addr($engine), $err));
        return new PathwiseEngine($this, $engine);
    }

    /** Fits a log held in memory; returns {"model", "report", "read"}. */
    public function fitReportText(string $log, ?array $options = null): array
    {
        $o = $options === null ? null : json_encode($options, JSON_THROW_ON_ERROR);
        return self::decode($this->call(fn($out, $err) =>
            $this->ffi->pathwise_fit_report_text($log, strlen($log), $o, $out, $err)));
    }

    /** Fits a log file; returns the model document as JSON text. */
    public function fitFile(string $path, ?array $options = null): string
    {
        $o = $options === null ? null : json_encode($options, JSON_THROW_ON_ERROR);
        return $this->call(fn($out, $err) => $this->ffi->pathwise_fit_file($path, $o, $out, $err));
    }

    /** Scores a model on a log in memory; returns {"metrics", "read"}. */
    public function evaluateText(string $modelJson, string $log, ?array $options = null): array
    {
        $o = $options === null ? null : json_encode($options, JSON_THROW_ON_ERROR);
        return self::decode($this->call(fn($out, $err) =>
            $this->ffi->pathwise_evaluate_text($modelJson, $log, strlen($log), $o, $out, $err)));
    }

    /** Predictions of every response of a log in memory, with P(known) before and after. */
    public function predictText(string $modelJson, string $log, ?array $options = null): array
    {
        $o = $options === null ? null : json_encode($options, JSON_THROW_ON_ERROR);
        return self::decode($this->call(fn($out, $err) =>
            $this->ffi->pathwise_predict_text($modelJson, $log, strlen($log), $o, $out, $err)));
    }
}

final class PathwiseEngine
{
    public function __construct(private Pathwise $pw, private ?FFI\CData $engine)
    {
    }

    public function __destruct()
    {
        $this->close();
    }

    public function close(): void
    {
        if ($this->engine !== null) {
            $this->pw->ffi->pathwise_engine_destroy($this->engine);
            $this->engine = null;
        }
    }

    public function record(string $learner, string $item, bool $correct, int $timeMs): void
    {
        $this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_record_n(
            $this->engine, $learner, strlen($learner), $item, strlen($item), $correct ? 1 : 0,
            $timeMs, $err));
    }

    /** The next step, or null when there is nothing to offer. */
    public function recommend(string $learner, int $nowMs): ?array
    {
        return Pathwise::decode($this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_recommend_n(
            $this->engine, $learner, strlen($learner), $nowMs, $out, $err)));
    }

    public function profile(string $learner): array
    {
        return Pathwise::decode($this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_profile_n(
            $this->engine, $learner, strlen($learner), $out, $err)));
    }

    public function setGoals(string $learner, array $skills): void
    {
        $goals = json_encode(array_values($skills), JSON_THROW_ON_ERROR);
        $this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_set_goals_n(
            $this->engine, $learner, strlen($learner), $goals, strlen($goals), $err));
    }

    public function exportLearner(string $learner): array
    {
        return Pathwise::decode($this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_export_learner_n(
            $this->engine, $learner, strlen($learner), $out, $err)));
    }

    /** Erases everything held on a learner; true if anything was held. */
    public function eraseLearner(string $learner): bool
    {
        $existed = $this->pw->ffi->new('int');
        $this->pw->call(fn($out, $err) => $this->pw->ffi->pathwise_erase_learner_n(
            $this->engine, $learner, strlen($learner), FFI::addr($existed), $err));
        return $existed->cdata === 1;
    }

    public function classSummary(): array
    {
        return Pathwise::decode($this->pw->call(fn($out, $err) =>
            $this->pw->ffi->pathwise_class_summary($this->engine, $out, $err)));
    }
}
