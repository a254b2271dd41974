// The class report at scale: a SQLite store of N learners x K skills (5 stored responses each),
// then the class report read from it, drawn and written, timed. Prints one JSON line;
// bench/report_bench.sh adds the page's render time in headless Chromium.
//
//   build/bench/report_bench [learners, default 10000] [skills, default 100] [out.html]
// (PATHWISE_BENCH_KEEP_DB=1 keeps the store, OUT.bench.db, for profiling.)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pathwise/pathwise.hpp>
#include <string>

int main(int argc, char** argv) {
  using namespace pathwise;
  using Clock = std::chrono::steady_clock;
  const std::size_t learners = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000;
  const std::size_t skills = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 100;
  const std::string out = argc > 3 ? argv[3] : "large-class.html";
  const std::string db = out + ".bench.db";
  try {
    std::vector<Skill> ss;
    std::vector<Item> items;
    BktModel model;
    for (std::size_t k = 0; k < skills; ++k) {
      Skill s;
      s.id = "skill-" + std::to_string(k);
      s.name = "Skill " + std::to_string(k);
      if (k % 10) s.prerequisites = {"skill-" + std::to_string(k - 1)};
      ss.push_back(s);
      for (int i = 0; i < 20; ++i)
        items.push_back({s.id + "-" + std::to_string(i), {s.id}, {}, {}});
      model.set_skill(s.id, {0.3, 0.2, 0.0, 0.2, 0.1});
    }
    Curriculum curriculum(ss, items);
    std::remove(db.c_str());
    auto t0 = Clock::now();
    {
      auto store = open_store("sqlite:" + db);
      const std::int64_t t_base = 1793613600000;
      for (std::size_t l = 0; l < learners; ++l) {
        LearnerProfile p = new_profile("learner-" + std::to_string(l), curriculum, model);
        std::size_t k = 0;
        for (auto& [id, st] : p.skills) {
          st.p_known = static_cast<double>((l * 31 + k * 17) % 1000) / 1000.0;
          st.attempts = static_cast<std::uint32_t>((l + k) % 12);
          // One learner in 50 wheel-spins on one skill: the attention list of a real class.
          st.wheel_spinning = l % 50 == 0 && k == 3;
          if (st.wheel_spinning) st.p_known = 0.2;
          ++k;
        }
        std::vector<ResponseRecord> rs;
        for (int r = 0; r < 5; ++r) {
          rs.push_back(
              {items[(l * 5 + static_cast<std::size_t>(r)) % items.size()].id,
               r % 2 ? Outcome::Correct : Outcome::Incorrect,
               from_millis(t_base + static_cast<std::int64_t>((l * 7 + r) % 28) * 86400000)});
        }
        p.responses = rs.size();
        p.last_response = rs.back().time;
        store->import(p, rs);
      }
    }
    const double fill = std::chrono::duration<double>(Clock::now() - t0).count();
    ReportOptions o;
    o.ids.key = "bench";
    o.now = from_millis(1793613600000 + 30LL * 86400000);
    auto store = open_store("sqlite:" + db);
    auto t1 = Clock::now();
    std::string data = class_report_data(*store, curriculum, model, o);
    const double data_s = std::chrono::duration<double>(Clock::now() - t1).count();
    auto t2 = Clock::now();
    const std::clock_t c2 = std::clock();
    std::string html = class_report_html(*store, curriculum, model, o);
    write_report(out, html);
    const double write_s = std::chrono::duration<double>(Clock::now() - t2).count();
    const double write_cpu = static_cast<double>(std::clock() - c2) / CLOCKS_PER_SEC;
    o.read_responses = false;
    auto t3 = Clock::now();
    std::string html2 = class_report_html(*store, curriculum, model, o);
    const double no_resp_s = std::chrono::duration<double>(Clock::now() - t3).count();
    store.reset();
    if (!std::getenv("PATHWISE_BENCH_KEEP_DB")) {
      std::remove(db.c_str());
      std::remove((db + "-wal").c_str());
      std::remove((db + "-shm").c_str());
    }
    std::printf(
        "{\"learners\": %zu, \"skills\": %zu, \"store_fill_s\": %.2f, \"data_json_s\": %.3f, "
        "\"data_json_bytes\": %zu, \"html_write_s\": %.3f, \"html_write_cpu_s\": %.3f, "
        "\"html_bytes\": %zu, "
        "\"html_without_responses_s\": %.3f}\n",
        learners, skills, fill, data_s, data.size(), write_s, write_cpu, html.size(), no_resp_s);
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "report_bench: %s\n", e.what());
    return 1;
  }
}
