// Reports: the HTML pages. Each is one file with inline CSS, SVG and a little script; every
// text from the data goes through html_escape(); nothing refers outside the file.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "detail/json_util.hpp"
#include "detail/report_data.hpp"

namespace pathwise::detail {

namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return html_escape(s); }
std::string esc(const json& j) {
  if (j.is_string()) return html_escape(j.get<std::string>());
  if (j.is_null()) return "";
  return html_escape(j.dump());
}

std::string num(const json& v, int digits) {
  if (!v.is_number()) return "&ndash;";
  double d = v.get<double>();
  if (!std::isfinite(d)) return "&ndash;";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, d);
  return buf;
}
std::string num(double d, int digits) { return num(json(d), digits); }

// Colour-blind-safe sequential scale (cividis, 10 steps) for P(known), and Okabe-Ito colours
// for lines: observed blue #0072B2, predicted orange #E69F00.
const char* kCss = R"CSS(
:root{--fg:#1b1b1b;--muted:#555;--line:#ccc;--obs:#0072B2;--pred:#E69F00;--bar:#009E73}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0 auto;max-width:1200px;padding:16px}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em;border-bottom:1px solid var(--line)}
.meta{color:var(--muted)}
table{border-collapse:collapse;margin:.4em 0}
th[scope=row]{white-space:nowrap}
th,td{padding:2px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
thead th{position:sticky;top:0;background:#fff;border-bottom:2px solid var(--line)}
table.sortable thead th{cursor:pointer}
table.sortable thead th[aria-sort=ascending]::after{content:" \25B2"}
table.sortable thead th[aria-sort=descending]::after{content:" \25BC"}
.scroll{overflow:auto;max-height:70vh;border:1px solid #eee}
#heatmap.big{table-layout:fixed;width:44em}#heatmap.big th:first-child{width:14em}
#heatmap td.h{text-align:center;font-size:11px;min-width:2.6em;padding:1px 2px}
#heatmap thead th.sk{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;font-size:11px;max-height:12em}
.h0{background:#00224e;color:#fff}.h1{background:#123570;color:#fff}.h2{background:#3b496c;color:#fff}
.h3{background:#575d6d;color:#fff}.h4{background:#707173;color:#fff}.h5{background:#8a8779;color:#000}
.h6{background:#a69d75;color:#000}.h7{background:#c4b56c;color:#000}.h8{background:#e4cf5b;color:#000}
.h9{background:#fee838;color:#000}
.legend span{display:inline-block;width:3.2em;text-align:center;font-size:11px}
.flag{color:#a3470b;font-weight:600}
.note{background:#f6f6f6;border-left:4px solid var(--line);padding:6px 10px}
svg text{font:11px system-ui,sans-serif;fill:#333}
.grid{display:flex;flex-wrap:wrap;gap:12px}
#distribution,#progress,#items{content-visibility:auto;contain-intrinsic-size:auto 900px}
.bar{display:inline-block;height:10px;background:var(--bar);vertical-align:middle}
@media print{body{max-width:none;padding:0;font-size:10pt}.scroll{max-height:none;overflow:visible;border:0}
thead th{position:static}h2{break-after:avoid}section{break-inside:avoid-page}
canvas{display:none}.screen{display:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
)CSS";

// Sorting of every table.sortable by a click on (or Enter in) a header cell; the heatmap canvas
// of a large class, drawn from each row's data-p (two base-64 digits a skill: P(known) x 1000).
const char* kScript = R"JS(
(function(){
var B="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function key(c){var v=c.getAttribute("data-v");if(v===null)v=c.textContent;var t=v.trim();var n=t===""?NaN:Number(t);return isNaN(n)?t.toLowerCase():n;}
function cmp(x,y){if(typeof x===typeof y)return x<y?-1:x>y?1:0;return typeof x==="number"?-1:1;}
function order(t,keys,asc){var b=t.tBodies[0];var rows=Array.prototype.slice.call(b.rows);
var ks=rows.map(function(r,i){return [keys(r),i,r];});
ks.sort(function(a,c){var d=cmp(a[0],c[0]);return (asc?d:-d)||a[1]-c[1];});
var f=document.createDocumentFragment();ks.forEach(function(k){f.appendChild(k[2]);});b.appendChild(f);
if(t.id==="heatmap")draw();}
function sortBy(t,i,th){var asc=th.getAttribute("aria-sort")!=="ascending";
Array.prototype.forEach.call(th.parentNode.cells,function(h){h.removeAttribute("aria-sort");});
th.setAttribute("aria-sort",asc?"ascending":"descending");order(t,function(r){return key(r.cells[i]);},asc);}
Array.prototype.forEach.call(document.querySelectorAll("table.sortable"),function(t){
var hr=t.tHead.rows[t.tHead.rows.length-1];
Array.prototype.forEach.call(hr.cells,function(th,i){th.tabIndex=0;th.title="sort";
th.addEventListener("click",function(){sortBy(t,i,th);});
th.addEventListener("keydown",function(e){if(e.key==="Enter")sortBy(t,i,th);});});});
var C=["#00224e","#123570","#3b496c","#575d6d","#707173","#8a8779","#a69d75","#c4b56c","#e4cf5b","#fee838"];
var RGB=C.map(function(h){return [parseInt(h.substr(1,2),16),parseInt(h.substr(3,2),16),parseInt(h.substr(5,2),16)];});
function val(s,k){return (B.indexOf(s.charAt(2*k))*64+B.indexOf(s.charAt(2*k+1)))/1000;}
var cv=document.getElementById("heatcanvas");var cw=1,rh=1;
function draw(){if(!cv)return;var t=document.getElementById("heatmap");var rows=t.tBodies[0].rows;
var ns=+cv.getAttribute("data-skills");cw=Math.max(2,Math.floor(600/Math.max(1,ns)));rh=rows.length>1500?1:Math.max(1,Math.floor(3000/Math.max(1,rows.length)));
cv.width=ns*cw;cv.height=Math.max(1,rows.length*rh);var ctx=cv.getContext("2d");var img=ctx.createImageData(cv.width,cv.height);var d=img.data;
for(var r=0;r<rows.length;r++){var s=rows[r].getAttribute("data-p")||"";for(var k=0;k<ns;k++){var c=RGB[Math.min(9,Math.floor(val(s,k)*10))];
for(var y=r*rh;y<(r+1)*rh;y++){var o=(y*cv.width+k*cw)*4;for(var x=0;x<cw;x++){d[o]=c[0];d[o+1]=c[1];d[o+2]=c[2];d[o+3]=255;o+=4;}}}}
ctx.putImageData(img,0,0);}
if(cv){cv.addEventListener("click",function(e){var k=Math.floor(e.offsetX/cw);var t=document.getElementById("heatmap");
var asc=cv.getAttribute("data-sorted")===String(k);cv.setAttribute("data-sorted",asc?"":String(k));
order(t,function(r){return val(r.getAttribute("data-p")||"",k);},asc);
var o=document.getElementById("heatsort");if(o)o.textContent="sorted by "+(cv.getAttribute("data-name-"+k)||"")+(asc?" (ascending)":" (descending)");});draw();}
window.pathwiseReady=performance.now();
})();
)JS";

std::string page(const std::string& title, const std::string& kind, const std::string& body) {
  std::string out;
  out.reserve(body.size() + 8192);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: no network, not even by mistake in a later edit of the page.
  out +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"pathwise report " + kind + "\">\n";
  out += "<title>" + esc(title) + "</title>\n<style>" + std::string(kCss) + "</style>\n</head>\n";
  out += "<body data-report=\"" + kind + "\">\n" + body;
  out += "<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return out;
}

int band(double p) {
  if (!std::isfinite(p)) return 0;
  return std::clamp(static_cast<int>(std::floor(p * 10.0)), 0, 9);
}

std::string legend() {
  std::string s = "<p class=\"legend\">P(known): ";
  for (int b = 0; b < 10; ++b) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "<span class=\"h%d\">%.1f&ndash;%.1f</span>", b, b / 10.0,
                  (b + 1) / 10.0);
    s += buf;
  }
  return s + "</p>\n";
}

/// A bar chart of (label, value) pairs as inline SVG, with a title for screen readers.
std::string bar_chart(const std::vector<std::pair<std::string, double>>& bars,
                      const std::string& title, const char* colour) {
  if (bars.empty()) return "<p class=\"meta\">No data.</p>\n";
  double top = 1.0;
  for (const auto& b : bars) top = std::max(top, b.second);
  const int w = 720, h = 160, left = 36, bottom = 28;
  const double bw = static_cast<double>(w - left) / static_cast<double>(bars.size());
  std::string s = "<svg role=\"img\" width=\"" + std::to_string(w) + "\" height=\"" +
                  std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(w) + " " +
                  std::to_string(h) + "\"><title>" + esc(title) + "</title>";
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                "<text x=\"2\" y=\"12\">%.0f</text><text x=\"2\" y=\"%d\">0</text>",
                left, h - bottom, w, h - bottom, top, h - bottom);
  s += buf;
  const std::size_t every = std::max<std::size_t>(1, bars.size() / 8);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    double bh = (h - bottom - 8) * bars[i].second / top;
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                  "<title>",
                  left + i * bw + 1, h - bottom - bh, std::max(1.0, bw - 2), bh, colour);
    s += buf;
    s += esc(bars[i].first) + ": " + num(bars[i].second, 0) + "</title></rect>";
    if (i % every == 0) {
      std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%d\">", left + i * bw, h - 10);
      s += buf + esc(bars[i].first) + "</text>";
    }
  }
  return s + "</svg>\n";
}

/// Observed and predicted P(correct) by opportunity, as inline SVG.
std::string curve_svg(const json& points, const std::string& title, int w, int h) {
  const int left = 34, bottom = 24, top = 16;
  std::size_t maxop = 1;
  for (const auto& p : points) maxop = std::max(maxop, p["opportunity"].get<std::size_t>());
  auto x = [&](std::size_t op) {
    return left + (w - left - 8) * (static_cast<double>(op) - 1) /
                      std::max<double>(1.0, static_cast<double>(maxop) - 1);
  };
  auto y = [&](double v) { return top + (h - top - bottom) * (1.0 - v); };
  std::string s = "<svg role=\"img\" width=\"" + std::to_string(w) + "\" height=\"" +
                  std::to_string(h) + "\"><title>" + esc(title) + "</title>";
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>"
                "<text x=\"2\" y=\"%.0f\">1</text><text x=\"2\" y=\"%.0f\">0</text>"
                "<text x=\"%d\" y=\"%d\">opportunity 1&ndash;%zu</text><text x=\"%d\" y=\"11\">",
                left, top, w - left - 8, h - top - bottom, y(1.0) + 4, y(0.0), left, h - 6, maxop,
                left);
  s += buf + esc(title) + "</text>";
  for (const char* which : {"observed", "predicted"}) {
    std::string pts;
    for (const auto& p : points) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(p["opportunity"].get<std::size_t>()),
                    y(p[which].get<double>()));
      pts += buf;
    }
    const bool obs = std::string(which) == "observed";
    s += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" +
         std::string(obs ? "#0072B2" : "#E69F00") + "\"" +
         (obs ? "" : " stroke-dasharray=\"5 3\"") + " points=\"" + pts + "\"/>";
  }
  return s + "</svg>";
}

std::string curve_key() {
  return "<p class=\"meta\"><svg width=\"24\" height=\"8\"><line x1=\"0\" y1=\"4\" x2=\"24\" "
         "y2=\"4\" stroke=\"#0072B2\" stroke-width=\"2\"/></svg> observed share correct &nbsp; "
         "<svg width=\"24\" height=\"8\"><line x1=\"0\" y1=\"4\" x2=\"24\" y2=\"4\" "
         "stroke=\"#E69F00\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/></svg> predicted "
         "P(correct)</p>\n";
}

std::string forecasts_slot(const json& d) {
  std::string b = "<section id=\"forecasts\"><h2>Forecasts to goals</h2><p class=\"note\">" +
                  esc(d.value("forecasts_note", std::string())) + "</p>\n";
  const json& f = d.contains("forecasts") ? d.at("forecasts") : json();
  if (f.is_array() && f.empty()) b += "<p>Every goal skill is mastered.</p>\n";
  if (f.is_array() && !f.empty()) {
    b += "<table id=\"forecast-table\"><thead><tr><th scope=\"col\">Skill</th><th "
         "scope=\"col\">P(known)</th><th scope=\"col\">Expected attempts</th><th "
         "scope=\"col\">Range</th><th scope=\"col\">Mastered within the cap</th></tr></thead>"
         "<tbody>\n";
    for (const auto& r : f) {
      const auto bound = [&](const char* k) {
        const json& v = r.at(k);
        return v.is_null() ? std::string("more than ") + std::to_string(r.at("cap").get<int>())
                           : std::to_string(v.get<int>());
      };
      b += "<tr><th scope=\"row\">" + esc(r.at("name")) + "</th><td class=\"n\">" +
           num(r.at("p_known"), 2) + "</td><td class=\"n\">" + num(r.at("expected"), 1) +
           "</td><td class=\"n\">" + bound("low") + "&ndash;" + bound("high") +
           "</td><td class=\"n\">" + num(r.at("p_within_cap"), 2) + "</td></tr>\n";
    }
    b += "</tbody></table>\n";
  }
  return b + "</section>\n";
}

// Two base-64 digits of round(p * 1000), 0..1000.
void encode_p(std::string& out, double p) {
  static const char* b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int v = static_cast<int>(std::lround(std::clamp(std::isfinite(p) ? p : 0.0, 0.0, 1.0) * 1000));
  out += b[v / 64];
  out += b[v % 64];
}

std::string class_page(const json& d) {
  std::string b;
  const auto& skills = d.at("skills");
  const auto& learners = d.at("learners");
  const std::size_t ns = skills.size(), nl = learners.size();
  b += "<header><h1>" + esc(d.at("title")) + "</h1><p class=\"meta\">" + std::to_string(nl) +
       " learners, " + std::to_string(ns) + " skills; mastery at P(known) &ge; " +
       num(d.at("mastery_threshold"), 2) + "; generated " + esc(d.at("generated_at")) +
       ". Learners are shown by pseudonym (" + esc(d.at("pseudonyms")) +
       ") unless a display name was given.";
  if (d.at("damaged").get<std::size_t>() > 0)
    b += " " + std::to_string(d.at("damaged").get<std::size_t>()) +
         " stored profiles could not be read and are left out.";
  b += "</p>\n<nav class=\"screen\"><a href=\"#attention\">Needs a person</a> &middot; <a "
       "href=\"#heat\">Heatmap</a> &middot; <a href=\"#distribution\">Mastery by skill</a> "
       "&middot; <a href=\"#progress\">Progress</a> &middot; <a href=\"#items\">Items</a> "
       "&middot; <a href=\"#forecasts\">Forecasts</a></nav></header>\n";

  // Who needs a person now.
  std::map<std::string, std::string> skill_name;
  for (const auto& s : skills)
    skill_name[s.at("id").get<std::string>()] = s.at("name").get<std::string>();
  const auto& att = d.at("attention");
  b += "<section id=\"attention\"><h2>Learners who need a person now (" +
       std::to_string(att.size()) + ")</h2>\n";
  b += "<p class=\"meta\">Wheel-spinning: many attempts on a skill without mastering it. Stalled: "
       "at least " +
       std::to_string(d.value("stalled_after", 0)) +
       " answers since the last skill mastered, with a goal still open. The next step is the "
       "engine's own recommendation, with its explanation.</p>\n";
  if (att.empty()) {
    b += "<p>No learner is flagged.</p>\n";
  } else {
    b += "<table id=\"attention-table\" class=\"sortable\"><thead><tr><th>Learner</th><th>Why</th>"
         "<th>Wheel-spinning on</th><th class=\"n\">Answers since mastery</th><th>Next step</th>"
         "<th>Explanation</th></tr></thead><tbody>\n";
    for (const auto& a : att) {
      std::string why, wheel;
      for (const auto& w : a.at("why")) why += (why.empty() ? "" : ", ") + esc(w);
      for (const auto& w : a.at("wheel_spinning")) {
        auto n = skill_name.find(w.get<std::string>());
        wheel += (wheel.empty() ? "" : ", ") +
                 esc(n != skill_name.end() ? n->second : w.get<std::string>());
      }
      const auto& r = a.at("recommendation");
      b += "<tr><th scope=\"row\">" + esc(a.at("label")) + "</th><td>" + why + "</td><td>" + wheel +
           "</td><td class=\"n\">" + esc(a.at("responses_since_mastery")) + "</td><td>" +
           (r.is_null() ? std::string() : esc(r.at("reason")) + " " + esc(r.at("item"))) +
           "</td><td>" + (r.is_null() ? std::string() : esc(r.at("explanation"))) + "</td></tr>\n";
    }
    b += "</tbody></table>\n";
  }
  b += "</section>\n";

  // Heatmap.
  const bool cells = nl * ns <= d.value("max_table_cells", std::size_t{200000});
  b += "<section id=\"heat\"><h2>P(known) of every learner and skill</h2>\n";
  b += "<p class=\"meta screen\">Click a column header to sort the learners by it (again to "
       "reverse): by learner, by skills mastered, by distance from their goals (the P(known) "
       "still missing to mastery, summed over open goal skills), or by a skill.</p>\n";
  b += legend();
  if (!cells) {
    b += "<p class=\"note\">A class of " + std::to_string(nl) + " learners &times; " +
         std::to_string(ns) +
         " skills is drawn as an image (one row a learner, one column a skill, in the order of "
         "the table below; click a column of the image to sort by that skill). <span "
         "id=\"heatsort\"></span></p>\n<canvas id=\"heatcanvas\" data-skills=\"" +
         std::to_string(ns) + "\"";
    for (std::size_t k = 0; k < ns; ++k)
      b += " data-name-" + std::to_string(k) + "=\"" + esc(skills[k].at("name")) + "\"";
    b += " style=\"max-width:100%;image-rendering:pixelated;border:1px solid #ccc\"></canvas>\n"
         "<noscript><p>The image needs script; the table lists every learner's summary, and "
         "the class report's data (JSON) holds every value.</p></noscript>\n";
  }
  b += std::string("<div class=\"scroll\"><table id=\"heatmap\" class=\"sortable") +
       (cells ? "" : " big") +
       "\"><thead><tr><th>Learner</th>"
       "<th class=\"n\">Mastered</th><th class=\"n\">Distance from goals</th>";
  if (cells)
    for (const auto& s : skills)
      b += "<th class=\"sk\" title=\"" + esc(s.at("id")) + "\">" + esc(s.at("name")) + "</th>";
  else
    b += "<th class=\"n\">Mean P(known)</th>";
  b += "</tr></thead><tbody>\n";
  for (const auto& l : learners) {
    const auto& p = l.at("p_known");
    b += "<tr";
    if (!cells) {
      b += " data-p=\"";
      for (const auto& v : p) encode_p(b, v.get<double>());
      b += "\"";
    }
    b += "><th scope=\"row\">" + esc(l.at("label")) + "</th><td class=\"n\">" +
         std::to_string(l.at("mastered").get<std::size_t>()) + "</td><td class=\"n\">" +
         num(l.at("distance"), 2) + "</td>";
    if (cells) {
      char buf[48];
      for (const auto& v : p) {
        double x = v.get<double>();
        std::snprintf(buf, sizeof buf, "<td class=\"h h%d\">%.2f</td>", band(x), x);
        b += buf;
      }
    } else {
      double s = 0;
      for (const auto& v : p) s += v.get<double>();
      b += "<td class=\"n\">" + num(p.empty() ? 0.0 : s / static_cast<double>(p.size()), 2) +
           "</td>";
    }
    b += "</tr>\n";
  }
  b += "</tbody></table></div></section>\n";

  // Per-skill distributions.
  b += "<section id=\"distribution\"><h2>Mastery by skill</h2>\n<table id=\"skills-table\" "
       "class=\"sortable\"><thead><tr><th>Skill</th><th class=\"n\">Mastered</th><th "
       "class=\"n\">Wheel-spinning</th><th class=\"n\">Mean P(known)</th><th>Learners by P(known): "
       "[0,.2) [.2,.4) [.4,.6) [.6,.8) [.8,1]</th></tr></thead><tbody>\n";
  for (const auto& s : skills) {
    const auto& hgm = s.at("histogram");
    std::size_t n = std::max<std::size_t>(1, s.at("learners").get<std::size_t>());
    std::string bar = "<svg role=\"img\" width=\"300\" height=\"14\"><title>";
    std::string counts;
    for (std::size_t i = 0; i < hgm.size(); ++i)
      counts += (i ? " / " : "") + std::to_string(hgm[i].get<std::size_t>());
    bar += counts + "</title>";
    double x = 0;
    static const char* colours[5] = {"#00224e", "#575d6d", "#8a8779", "#c4b56c", "#fee838"};
    for (std::size_t i = 0; i < hgm.size() && i < 5; ++i) {
      double w = 300.0 * static_cast<double>(hgm[i].get<std::size_t>()) / static_cast<double>(n);
      char buf[128];
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"14\" fill=\"%s\"/>", x, w,
                    colours[i]);
      bar += buf;
      x += w;
    }
    bar += "</svg> " + counts;
    b += "<tr><th scope=\"row\">" + esc(s.at("name")) + "</th><td class=\"n\">" +
         std::to_string(s.at("mastered").get<std::size_t>()) + "</td><td class=\"n\">" +
         std::to_string(s.at("wheel_spinning").get<std::size_t>()) + "</td><td class=\"n\">" +
         num(s.at("mean"), 2) + "</td><td data-v=\"" + num(s.at("mean"), 4) + "\">" + bar +
         "</td></tr>\n";
  }
  b += "</tbody></table></section>\n";

  // Progress over time.
  const auto& pg = d.at("progress");
  b += "<section id=\"progress\"><h2>Progress over time</h2>\n";
  if (!pg.at("from_responses").get<bool>())
    b += "<p class=\"note\">Stored responses were not read for this report.</p>\n";
  std::vector<std::pair<std::string, double>> per_day, per_week;
  for (const auto& x : pg.at("mastered_per_day"))
    per_day.emplace_back(x.at("day").get<std::string>(), x.at("skills").get<double>());
  for (const auto& x : pg.at("active_per_week"))
    per_week.emplace_back(x.at("week_start").get<std::string>(), x.at("learners").get<double>());
  b += "<h3>Skills mastered per day</h3>\n" +
       bar_chart(per_day, "skills mastered per day", "#009E73");
  b += "<details><summary>as a table</summary><table><thead><tr><th>Day (UTC)</th><th "
       "class=\"n\">Skills mastered</th></tr></thead><tbody>";
  for (const auto& x : per_day)
    b += "<tr><td>" + esc(x.first) + "</td><td class=\"n\">" + num(x.second, 0) + "</td></tr>";
  b += "</tbody></table></details>\n<h3>Active learners per week</h3>\n" +
       bar_chart(per_week, "active learners per week", "#56B4E9");
  b += "<details><summary>as a table</summary><table><thead><tr><th>Week from (Monday, "
       "UTC)</th><th class=\"n\">Learners who answered</th></tr></thead><tbody>";
  for (const auto& x : per_week)
    b += "<tr><td>" + esc(x.first) + "</td><td class=\"n\">" + num(x.second, 0) + "</td></tr>";
  b += "</tbody></table></details></section>\n";

  // Items.
  b += "<section id=\"items\"><h2>Items</h2>\n<p class=\"meta\">Guess and slip are the model's "
       "(the item's own where it has them, else its skill's). An item is flagged when it is "
       "answered much more or less often right than the rest of its skill's items.</p>\n"
       "<div class=\"scroll\"><table id=\"items-table\" class=\"sortable\"><thead><tr><th>Item</th>"
       "<th>Skills</th><th class=\"n\">Attempts</th><th class=\"n\">Success rate</th><th "
       "class=\"n\">Guess</th><th class=\"n\">Slip</th><th>Flag</th></tr></thead><tbody>\n";
  for (const auto& it : d.at("items")) {
    std::string sk;
    for (const auto& s : it.at("skills")) sk += (sk.empty() ? "" : ", ") + esc(s);
    b += "<tr><th scope=\"row\">" + esc(it.at("item")) + "</th><td>" + sk +
         "</td><td class=\"n\">" + std::to_string(it.at("attempts").get<std::size_t>()) +
         "</td><td class=\"n\">" + num(it.at("success_rate"), 2) + "</td><td class=\"n\">" +
         num(it.value("guess", json()), 2) + (it.value("own_params", false) ? "*" : "") +
         "</td><td class=\"n\">" + num(it.value("slip", json()), 2) + "</td><td class=\"flag\">" +
         esc(it.at("flag")) + "</td></tr>\n";
  }
  b +=
      "</tbody></table></div><p class=\"meta\">* the item's own fitted guess/slip.</p></section>\n";
  b += forecasts_slot(d);
  return page(d.at("title").get<std::string>(), "class", b);
}

std::string learner_page(const json& d) {
  std::string b;
  auto skill_label = [&](const json& id) {
    for (const auto& s : d.at("skills"))
      if (s.at("id") == id) return s.at("name").get<std::string>();
    return id.get<std::string>();
  };
  b += "<header><h1>" + esc(d.at("title")) + ": " + esc(d.at("label")) +
       "</h1><p class=\"meta\">"
       "Generated " +
       esc(d.at("generated_at")) + ". A skill counts as mastered at P(known) &ge; " +
       num(d.at("mastery_threshold"), 2) + ".</p></header>\n";
  const auto& next = d.at("next");
  b += "<section id=\"next\"><h2>What comes next, and why</h2>\n";
  if (next.is_null()) {
    b += "<p>Nothing to recommend.</p>";
  } else {
    b += "<p><strong>" + esc(next.at("reason")) + "</strong>" +
         (next.at("item").get<std::string>().empty() ? std::string()
                                                     : ": item " + esc(next.at("item"))) +
         (next.at("skill").get<std::string>().empty()
              ? std::string()
              : " (" + esc(skill_label(next.at("skill"))) + ")") +
         "</p>\n<p id=\"explanation\">" + esc(next.at("explanation")) + "</p>\n";
  }
  b += "</section>\n<section id=\"skills\"><h2>Skills (" +
       std::to_string(d.at("mastered").get<std::size_t>()) + " of " +
       std::to_string(d.at("skills").size()) +
       " mastered)</h2>\n<table id=\"skills-table\" "
       "class=\"sortable\"><thead><tr><th>Skill</th><th class=\"n\">P(known)</th><th></th>"
       "<th>Mastered</th><th class=\"n\">Answers</th><th class=\"n\">Right</th><th>Goal</th>"
       "<th>Review due</th></tr></thead><tbody>\n";
  for (const auto& s : d.at("skills")) {
    double p = s.at("p_known").get<double>();
    char bar[96];
    std::snprintf(bar, sizeof bar, "<span class=\"bar\" style=\"width:%.0fpx\"></span>", p * 120);
    std::string m = s.at("mastered").get<bool>() ? "yes" : "not yet";
    if (!s.at("mastered_at").is_null())
      m += " (first " + esc(s.at("mastered_at").get<std::string>().substr(0, 10)) + ")";
    b += "<tr><th scope=\"row\">" + esc(s.at("name")) + "</th><td class=\"n\">" + num(p, 2) +
         "</td><td data-v=\"" + num(p, 4) + "\">" + bar + "</td><td>" + m +
         "</td><td class=\"n\">" + std::to_string(s.at("attempts").get<std::size_t>()) +
         "</td><td class=\"n\">" + std::to_string(s.at("correct").get<std::size_t>()) +
         "</td><td>" + (s.at("goal").get<bool>() ? "yes" : "") + "</td><td>" +
         (s.at("next_review").is_null()
              ? std::string()
              : esc(s.at("next_review").get<std::string>().substr(0, 10))) +
         (s.at("wheel_spinning").get<bool>() ? " &mdash; stuck: a teacher will help" : "") +
         "</td></tr>\n";
  }
  b += "</tbody></table></section>\n" + forecasts_slot(d);
  b += "<section id=\"held\"><h2>What is held about you</h2>\n<ul>\n";
  for (const auto& w : d.at("held").at("in_plain_words")) b += "<li>" + esc(w) + "</li>\n";
  b += "</ul></section>\n";
  return page(d.at("title").get<std::string>(), "learner", b);
}

std::string fit_page(const json& d) {
  std::string b;
  const auto& o = d.at("overall");
  b += "<header><h1>" + esc(d.at("title")) + "</h1><p class=\"meta\">" +
       std::to_string(o.at("responses").get<std::size_t>()) + " responses of " +
       std::to_string(d.at("learners").get<std::size_t>()) + " learners; AUC " +
       num(o.at("auc"), 3) + ", RMSE " + num(o.at("rmse"), 3) + ", accuracy " +
       num(o.at("accuracy"), 3) + ", log-loss " + num(o.at("log_loss"), 3) +
       " (one-step-ahead predictions on the same log).";
  if (d.at("responses_of_unknown_skills").get<std::size_t>() > 0)
    b += " " + std::to_string(d.at("responses_of_unknown_skills").get<std::size_t>()) +
         " responses of skills the model lacks are left out.";
  if (!d.at("fitted_here").get<bool>()) b += " The model was given, so convergence is not known.";
  b += "</p></header>\n";
  b += "<section id=\"params\"><h2>Parameters per skill</h2>\n<div class=\"scroll\"><table "
       "id=\"params-table\" class=\"sortable\"><thead><tr><th>Skill</th><th "
       "class=\"n\">Responses</th>"
       "<th class=\"n\">Sequences</th><th class=\"n\">Prior</th><th class=\"n\">Learn</th><th "
       "class=\"n\">Forget</th><th class=\"n\">Guess</th><th class=\"n\">Slip</th><th "
       "class=\"n\">AUC</th><th class=\"n\">RMSE</th><th>Converged</th><th>Flags</th></tr></thead>"
       "<tbody>\n";
  for (const auto& s : d.at("skills")) {
    std::string flags;
    for (const auto& f : s.at("flags")) flags += (flags.empty() ? "" : "; ") + esc(f);
    const auto& c = s.at("converged");
    b += "<tr><th scope=\"row\">" + esc(s.at("skill")) + "</th><td class=\"n\">" +
         std::to_string(s.at("responses").get<std::size_t>()) + "</td><td class=\"n\">" +
         std::to_string(s.at("sequences").get<std::size_t>()) + "</td>";
    for (const char* k : {"prior", "learn", "forget", "guess", "slip", "auc", "rmse"})
      b += "<td class=\"n\">" + num(s.at(k), 3) + "</td>";
    b += "<td>" +
         std::string(c.is_null()     ? "unknown"
                     : c.get<bool>() ? "yes"
                                     : "no") +
         "</td><td class=\"flag\">" + flags + "</td></tr>\n";
  }
  b += "</tbody></table></div></section>\n";
  b +=
      "<section id=\"curves\"><h2>Learning curves: observed against predicted</h2>\n" + curve_key();
  b += curve_svg(d.at("curve"), "all skills", 640, 240) + "\n<div class=\"grid\">";
  // Small multiples for the largest skills.
  std::vector<std::pair<std::size_t, std::size_t>> bysize;
  const auto& sk = d.at("skills");
  for (std::size_t i = 0; i < sk.size(); ++i)
    bysize.emplace_back(sk[i].at("responses").get<std::size_t>(), i);
  std::sort(bysize.begin(), bysize.end(), [](auto a, auto c) {
    return a.first != c.first ? a.first > c.first : a.second < c.second;
  });
  const auto& sc = d.at("skill_curves");
  for (std::size_t j = 0; j < bysize.size() && j < 12; ++j) {
    const auto& c = sc[bysize[j].second];
    b += curve_svg(c.at("points"), c.at("skill").get<std::string>(), 280, 150);
  }
  b += "</div>\n<details><summary>all skills as a table</summary><table><thead><tr><th>Skill</th>"
       "<th class=\"n\">Opportunity</th><th class=\"n\">Responses</th><th class=\"n\">Observed</th>"
       "<th class=\"n\">Predicted</th></tr></thead><tbody>";
  for (const auto& c : sc)
    for (const auto& p : c.at("points"))
      b += "<tr><td>" + esc(c.at("skill")) + "</td><td class=\"n\">" +
           std::to_string(p.at("opportunity").get<std::size_t>()) + "</td><td class=\"n\">" +
           std::to_string(p.at("count").get<std::size_t>()) + "</td><td class=\"n\">" +
           num(p.at("observed"), 3) + "</td><td class=\"n\">" + num(p.at("predicted"), 3) +
           "</td></tr>";
  b += "</tbody></table></details></section>\n";

  // Calibration.
  b += "<section id=\"calibration\"><h2>Calibration</h2>\n<p class=\"meta\">Responses grouped by "
       "predicted P(correct); a calibrated model's points lie on the diagonal.</p>\n";
  {
    const int w = 320, left = 34, top = 10, size = 270;
    std::string s = "<svg role=\"img\" width=\"" + std::to_string(w) + "\" height=\"" +
                    std::to_string(size + 40) + "\"><title>calibration diagram</title>";
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ccc\"/>"
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>"
        "<text x=\"%d\" y=\"%d\">predicted</text><text x=\"2\" y=\"%d\">observed</text>",
        left, top, size, size, left, top + size, left + size, top, left + 100, top + size + 28,
        top + 10);
    s += buf;
    std::size_t maxn = 1;
    for (const auto& c : d.at("calibration"))
      maxn = std::max(maxn, c.at("count").get<std::size_t>());
    for (const auto& c : d.at("calibration")) {
      if (c.at("count").get<std::size_t>() == 0) continue;
      double px = left + size * c.at("mean_predicted").get<double>();
      double py = top + size * (1 - c.at("observed").get<double>());
      double r = 3 + 6 * std::sqrt(static_cast<double>(c.at("count").get<std::size_t>()) /
                                   static_cast<double>(maxn));
      std::snprintf(buf, sizeof buf,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"#0072B2\" "
                    "fill-opacity=\"0.7\"><title>",
                    px, py, r);
      s += buf + num(c.at("mean_predicted"), 3) + " predicted, " + num(c.at("observed"), 3) +
           " observed, " + std::to_string(c.at("count").get<std::size_t>()) +
           " responses</title></circle>";
    }
    b += s + "</svg>\n";
  }
  b += "<table id=\"calibration-table\"><thead><tr><th>Predicted in</th><th "
       "class=\"n\">Responses</th>"
       "<th class=\"n\">Mean predicted</th><th class=\"n\">Observed</th></tr></thead><tbody>";
  for (const auto& c : d.at("calibration"))
    b += "<tr><td>[" + num(c.at("lo"), 1) + ", " + num(c.at("hi"), 1) + ")</td><td class=\"n\">" +
         std::to_string(c.at("count").get<std::size_t>()) + "</td><td class=\"n\">" +
         num(c.at("mean_predicted"), 3) + "</td><td class=\"n\">" + num(c.at("observed"), 3) +
         "</td></tr>";
  b += "</tbody></table></section>\n";

  // The reader's report.
  const auto& r = d.at("read");
  b += "<section id=\"read\"><h2>What the reader skipped</h2>\n<p>" +
       std::to_string(r.value("rows", std::size_t{0})) + " rows read, " +
       std::to_string(r.value("rows_kept", std::size_t{0})) + " kept, " +
       std::to_string(r.value("rows_filtered", std::size_t{0})) + " filtered, " +
       std::to_string(r.value("skipped_total", std::size_t{0})) + " skipped as bad (format " +
       esc(r.value("format", json())) + ").</p>\n";
  if (r.value("skipped_total", std::size_t{0}) == 0) {
    b += "<p>No row was skipped.</p>\n";
  } else if (r.contains("skipped") && r.at("skipped").is_object()) {
    b += "<table id=\"read-table\"><thead><tr><th>Problem</th><th class=\"n\">Rows</th><th>First "
         "place</th><th>First message</th></tr></thead><tbody>";
    for (auto it = r.at("skipped").begin(); it != r.at("skipped").end(); ++it) {
      if (!it.value().is_number() || it.value().get<std::size_t>() == 0) continue;
      std::string place, msg;
      if (r.contains("first") && r.at("first").contains(it.key())) {
        const auto& f = r.at("first").at(it.key());
        place = esc(f.value("source", json())) + ":" + esc(f.value("line", json())) + ":" +
                esc(f.value("column", json()));
        msg = esc(f.value("message", json()));
      }
      b += "<tr><td>" + esc(it.key()) + "</td><td class=\"n\">" +
           std::to_string(it.value().get<std::size_t>()) + "</td><td>" + place + "</td><td>" + msg +
           "</td></tr>";
    }
    b += "</tbody></table>\n";
  }
  b += "</section>\n";
  return page(d.at("title").get<std::string>(), "fit", b);
}

}  // namespace

std::string render_report(const json& data) {
  try {
    const std::string format = data.value("format", std::string());
    if (format == "pathwise-class-report") return class_page(data);
    if (format == "pathwise-learner-report") return learner_page(data);
    if (format == "pathwise-fit-report") return fit_page(data);
    throw Error(ErrorCode::Parse,
                "not a report document (\"format\" is not one of "
                "pathwise-class-report, pathwise-learner-report, "
                "pathwise-fit-report)",
                Location{"<report data>", 0, 0, "format"});
  } catch (const json::exception& e) {
    throw Error(ErrorCode::Parse,
                std::string("report data is missing a field or has the wrong type: ") + e.what(),
                Location{"<report data>", 0, 0, ""});
  }
}

}  // namespace pathwise::detail
