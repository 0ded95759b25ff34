#include "cess/agenthub/outcome.h"

#include <cctype>
#include <cstring>
#include <ctime>

namespace cess::agenthub {

bool Outcome::CountsAsFailure() const {
  switch (kind) {
    case Kind::kSuccess: return false;
    case Kind::kHttpError: return http_status >= 500 || http_status == 429;
    case Kind::kTimeout:
    case Kind::kConnectionError:
    case Kind::kBadResponse: return true;
  }
  return true;
}

bool Outcome::ShouldFailover() const { return CountsAsFailure(); }

namespace {

int MonthIndex(const char* m) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (std::strncmp(m, kMonths[i], 3) == 0) return i;
  }
  return -1;
}

}  // namespace

int64_t ParseRetryAfter(const std::string& value, int64_t wall_now_micros) {
  size_t b = value.find_first_not_of(" \t");
  if (b == std::string::npos) return -1;
  size_t e = value.find_last_not_of(" \t");
  std::string v = value.substr(b, e - b + 1);
  bool digits = !v.empty();
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) {
    if (v.size() > 9) return -1;  // over ~31 years: treat as garbage
    return static_cast<int64_t>(std::stoll(v)) * 1'000'000;
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, hh = 0, mm = 0, ss = 0;
  if (std::sscanf(v.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &hh, &mm, &ss, zone) != 8) {
    return -1;
  }
  int month = MonthIndex(mon);
  if (month < 0 || std::strcmp(zone, "GMT") != 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return -1;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  int64_t when = static_cast<int64_t>(timegm(&tm)) * 1'000'000;
  int64_t delay = when - wall_now_micros;
  return delay > 0 ? delay : 0;
}

}  // namespace cess::agenthub
