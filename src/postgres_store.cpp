// PostgresStore: learner profiles in PostgreSQL through libpq.
#include "detail/json_util.hpp"
#include "detail/stored_values.hpp"
#include "pathwise/log.hpp"
#include "pathwise/store.hpp"

#ifdef PATHWISE_HAVE_POSTGRES

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "detail/postgres_pool.hpp"
#include "detail/postgres_util.hpp"

namespace pathwise {

using namespace detail::postgres;  // NOLINT: the store is these helpers' one user

struct PostgresStore::Impl {
  Impl(std::string conninfo, PostgresOptions options)
      : pool(std::move(conninfo), std::move(options)) {}
  Pool pool;

  /// Commits the transaction `txid` on `c`. When the connection goes during the commit, whether
  /// the server committed is unknown: the transaction's status tells, once the server answers
  /// again (txid_status, PostgreSQL 10+). Throws Lost when it did not commit (run it again),
  /// Error (Io) when it is still unknown at the busy timeout.
  void commit(PGconn* c, const std::string& txid) {
    try {
      exec(c, "COMMIT");
      return;
    } catch (const Lost&) {
    }
    const auto deadline = Clock::now() + pool.timeout();
    for (;;) {
      std::string status;
      try {
        std::unique_ptr<PGconn, decltype(&PQfinish)> probe(pool.connect(false), &PQfinish);
        Params q;
        q.text(txid);
        auto r = run(probe.get(), "pw_txid_status", q);
        status = r->rows() && !r->null(0, 0) ? r->text(0, 0) : "aborted";
      } catch (const Lost&) {
        // the server is still going away: ask again
      } catch (const Error& e) {
        if (e.code() != ErrorCode::Busy) throw;
      }
      if (status == "committed") return;
      if (status == "aborted") throw Lost{};  // run it again on a new connection
      if (Clock::now() >= deadline) {
        // Still unknown: say so rather than let a retry apply it twice.
        throw Error(ErrorCode::Io,
                    "the database server went away while committing; whether this write was "
                    "stored is unknown",
                    Location{"postgresql", 0, 0, ""});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  /// One row of the responses table: the learner's `seq`-th response.
  static void write_response(PGconn* c, const std::string& learner, std::int64_t seq,
                             const ResponseRecord& r) {
    Params q;
    q.text(learner).integer(seq).text(r.item);
    q.integer(static_cast<int>(r.outcome)).integer(to_millis(r.time));
    run(c, "pw_insert_response", q);
  }

  static std::optional<StoredProfile> read(PGconn* c, const std::string& learner) {
    Params key;
    key.text(learner);
    auto l = run(c, "pw_learner", key);
    if (l->rows() == 0) return std::nullopt;
    StoredProfile out;
    LearnerProfile& p = out.profile;
    p.learner = learner;
    learner_from(*l, 0, 0, 5, p);
    out.version = kCheck.count64(l->integer(0, 4), "version");
    auto k = run(c, "pw_skills", key);
    for (int i = 0; i < k->rows(); ++i) {
      p.skills.emplace(kCheck.text(k->text(i, 0), "skill"), skill_from(*k, i, 1));
    }
    return out;
  }
};

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

std::unique_ptr<PostgresStore> PostgresStore::open(const std::string& conninfo,
                                                   const PostgresOptions& options) {
  if (options.pool_size < 1 || options.pool_size > 64) {
    throw Error(ErrorCode::InvalidArgument, "pool_size must be from 1 to 64",
                Location{"", 0, 0, "pool_size"});
  }
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::InvalidArgument, "busy_timeout_ms must be 0 or more",
                Location{"", 0, 0, "busy_timeout_ms"});
  }
  static const char* const kSync[] = {"", "on", "off", "local", "remote_write", "remote_apply"};
  if (std::find(std::begin(kSync), std::end(kSync), options.synchronous_commit) ==
      std::end(kSync)) {
    throw Error(ErrorCode::InvalidArgument,
                "synchronous_commit must be on, off, local, remote_write or remote_apply",
                Location{"", 0, 0, "synchronous_commit"});
  }
  auto impl = std::make_unique<Impl>(conninfo, options);
  impl->pool.open_first();
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

std::optional<StoredProfile> PostgresStore::load(const std::string& learner) {
  return impl_->pool.with_connection([&](PGconn* c) {
    // One snapshot for the learner row and its skills.
    exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    auto p = Impl::read(c, learner);
    exec(c, "COMMIT");
    return p;
  });
}

std::uint64_t PostgresStore::version(const std::string& learner) {
  return impl_->pool.with_connection([&](PGconn* c) -> std::uint64_t {
    Params key;
    key.text(learner);
    auto r = run(c, "pw_version", key);
    return r->rows() ? static_cast<std::uint64_t>(r->integer(0, 0)) : 0;
  });
}

void PostgresStore::update(const std::string& learner, CachedProfile& cache, const UpdateFn& fn) {
  // `cache` was changed (reloaded, or by fn) in a transaction that did not commit: the next
  // attempt must read the learner afresh.
  bool dirty = false;
  impl_->pool.with_connection([&](PGconn* c) {
    if (dirty) cache = CachedProfile{std::nullopt, ~std::uint64_t{0}};  // forces a reload
    Params key;
    key.text(learner);
    exec(c, "BEGIN");
    auto locked = run(c, "pw_lock", key);  // the row lock serialises this learner
    const std::uint64_t stored =
        locked->rows() ? static_cast<std::uint64_t>(locked->integer(0, 0)) : 0;
    dirty = true;  // from here `cache` may change: a read cut short leaves it half-replaced
    const bool reloaded = refresh(cache, stored, [&] { return Impl::read(c, learner); });
    const ProfileWrite w = fn(cache.profile, reloaded);
    if (w.kind == ProfileWrite::Kind::Nothing) {
      exec(c, "COMMIT");
      dirty = false;
      return;
    }
    if (!cache.profile) throw Error(ErrorCode::Internal, "a store write without a profile");
    const LearnerProfile& p = *cache.profile;
    std::unique_ptr<PgResult> v;
    // A response writes the learner row and the item's skills only (a skill never written is
    // at its prior, which is how a profile is read back).
    const bool partial = w.kind == ProfileWrite::Kind::Response && w.changed;
    if (partial) {
      Params q;
      q.text(learner).integer(static_cast<std::int64_t>(p.responses)).time(p.last_response);
      if (stored) {
        q.text(detail::dump(nlohmann::json(p.recent_items))).learner_state(p);
        v = run(c, "pw_update_progress", q);
      } else {
        q.text(detail::dump(nlohmann::json(p.goals)))
            .text(detail::dump(nlohmann::json(p.recent_items)))
            .learner_state(p);
        v = run(c, "pw_insert_learner", q);
      }
      for (const auto& skill : *w.changed) {
        auto it = p.skills.find(skill);
        if (it != p.skills.end())
          run(c, "pw_upsert_skill", skill_params(learner, skill, it->second));
      }
    } else {
      Params q;
      q.text(learner).integer(static_cast<std::int64_t>(p.responses)).time(p.last_response);
      q.text(detail::dump(nlohmann::json(p.goals)))
          .text(detail::dump(nlohmann::json(p.recent_items)))
          .learner_state(p);
      // A new learner is inserted: two creators of one learner meet on the primary key, and
      // the second is retried (it then finds the row and locks it).
      v = run(c, stored ? "pw_update_learner" : "pw_insert_learner", q);
      for (const auto& [skill, st] : p.skills) {
        run(c, "pw_upsert_skill", skill_params(learner, skill, st));
      }
    }
    if (w.kind == ProfileWrite::Kind::Response && impl_->pool.options().keep_responses) {
      Impl::write_response(c, learner, static_cast<std::int64_t>(p.responses), w.response);
    }
    const auto new_version = static_cast<std::uint64_t>(v->integer(0, 0));
    const std::string txid = v->text(0, 1);
    impl_->commit(c, txid);
    cache.version = new_version;
    dirty = false;
  });
}

void PostgresStore::import(const LearnerProfile& profile,
                           const std::vector<ResponseRecord>& responses) {
  impl_->pool.with_connection([&](PGconn* c) {
    Params key;
    key.text(profile.learner);
    exec(c, "BEGIN");
    run(c, "pw_claim_learner", key);  // as erase: writers in flight finish first
    run(c, "pw_delete_learner", key);
    run(c, "pw_delete_skills", key);
    run(c, "pw_delete_responses", key);
    Params q;
    q.text(profile.learner).integer(static_cast<std::int64_t>(profile.responses));
    q.time(profile.last_response).text(detail::dump(nlohmann::json(profile.goals)));
    q.text(detail::dump(nlohmann::json(profile.recent_items))).learner_state(profile);
    run(c, "pw_insert_learner", q);
    for (const auto& [skill, st] : profile.skills) {
      run(c, "pw_upsert_skill", skill_params(profile.learner, skill, st));
    }
    if (impl_->pool.options().keep_responses) {
      std::int64_t seq = 0;
      for (const auto& r : responses) Impl::write_response(c, profile.learner, ++seq, r);
    }
    exec(c, "COMMIT");
  });
}

bool PostgresStore::erase(const std::string& learner) {
  return impl_->pool.with_connection([&](PGconn* c) {
    Params key;
    key.text(learner);
    exec(c, "BEGIN");
    // The learner row first, claimed: an update or a creation in flight finishes before the
    // erase reads on, and none starts until it commits. A plain DELETE would not wait for a
    // creation in flight, and could then delete the new learner's responses but not its row.
    auto claim = run(c, "pw_claim_learner", key);
    const bool existed = claim->text(0, 0) != std::string("t");
    run(c, "pw_delete_learner", key);
    auto k = run(c, "pw_delete_skills", key);
    auto r = run(c, "pw_delete_responses", key);
    exec(c, "COMMIT");
    return existed || std::strcmp(PQcmdTuples(k->r), "0") != 0 ||
           std::strcmp(PQcmdTuples(r->r), "0") != 0;
  });
}

std::size_t PostgresStore::for_each(const std::function<void(const LearnerProfile&)>& fn) {
  std::size_t damaged = 0;
  std::string after;  // the last learner of the previous page ("" sorts before every id)
  for (;;) {
    // One page: up to 500 learner rows and their skills, read in one snapshot.
    std::vector<std::optional<LearnerProfile>> page = impl_->pool.with_connection([&](PGconn* c) {
      Params from;
      from.text(after);
      exec(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      auto l = run(c, "pw_learners_page", from);
      std::vector<std::optional<LearnerProfile>> out(static_cast<std::size_t>(l->rows()));
      if (l->rows() == 0) {
        exec(c, "COMMIT");
        return out;
      }
      Params range;
      range.text(l->text(0, 0)).text(l->text(l->rows() - 1, 0));
      auto k = run(c, "pw_skills_range", range);
      exec(c, "COMMIT");
      std::unordered_map<std::string, std::size_t> index;
      for (int i = 0; i < l->rows(); ++i) {
        const auto at = static_cast<std::size_t>(i);
        index.emplace(l->text(i, 0), at);
        try {
          LearnerProfile p;
          p.learner = l->text(i, 0);
          learner_from(*l, i, 1, 5, p);
          out[at] = std::move(p);
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt) throw;
        }
      }
      std::vector<char> bad(out.size(), 0);
      for (int i = 0; i < k->rows(); ++i) {
        auto it = index.find(k->text(i, 0));
        if (it == index.end() || !out[it->second]) continue;
        try {
          out[it->second]->skills.emplace(kCheck.text(k->text(i, 1), "skill"),
                                          skill_from(*k, i, 2));
        } catch (const Error& e) {
          if (e.code() != ErrorCode::Corrupt) throw;
          bad[it->second] = 1;
        }
      }
      for (std::size_t i = 0; i < out.size(); ++i)
        if (bad[i]) out[i].reset();
      after = l->text(l->rows() - 1, 0);
      return out;
    });
    if (page.empty()) break;
    for (const auto& p : page) {
      if (p) {
        fn(*p);
      } else {
        ++damaged;
      }
    }
  }
  if (damaged > 0) {
    logger()->warn("profile store postgresql: {} learners skipped, their stored rows are damaged",
                   damaged);
  }
  return damaged;
}

std::vector<ResponseRecord> PostgresStore::responses(const std::string& learner) {
  return impl_->pool.with_connection([&](PGconn* c) {
    Params key;
    key.text(learner);
    auto r = run(c, "pw_responses", key);
    std::vector<ResponseRecord> out;
    for (int i = 0; i < r->rows(); ++i) {
      ResponseRecord rec;
      rec.item = kCheck.text(r->text(i, 0), "item");
      rec.outcome = kCheck.outcome(r->integer(i, 1), "outcome");
      rec.time = kCheck.time(r->integer(i, 2), "time");
      out.push_back(std::move(rec));
    }
    return out;
  });
}

}  // namespace pathwise

#else  // no libpq: the class exists, opening it says why it cannot

namespace pathwise {

struct PostgresStore::Impl {};
PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;
std::unique_ptr<PostgresStore> PostgresStore::open(const std::string&, const PostgresOptions&) {
  throw Error(ErrorCode::InvalidArgument,
              "this build of Pathwise has no PostgreSQL support (libpq was not found when it "
              "was built)");
}
std::optional<StoredProfile> PostgresStore::load(const std::string&) { return std::nullopt; }
std::uint64_t PostgresStore::version(const std::string&) { return 0; }
void PostgresStore::update(const std::string&, CachedProfile&, const UpdateFn&) {}
bool PostgresStore::erase(const std::string&) { return false; }
std::size_t PostgresStore::for_each(const std::function<void(const LearnerProfile&)>&) { return 0; }
std::vector<ResponseRecord> PostgresStore::responses(const std::string&) { return {}; }
void PostgresStore::import(const LearnerProfile&, const std::vector<ResponseRecord>&) {}

}  // namespace pathwise

#endif
