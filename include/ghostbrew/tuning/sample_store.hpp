// SPDX-License-Identifier: GPL-2.0-only OR BSD-3-Clause
// Tuning samples on disk: one state file per game per CPU model,
// <state>/samples/<cpu-model-slug>/<game-slug>.gbs, written atomically through core/state_file.hpp
// (magic "GBSAMPLE", version 1, fixed-size records with the strings in NUL-padded fields).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "ghostbrew/core/error.hpp"
#include "ghostbrew/core/state_file.hpp"
#include "ghostbrew/tuning/sample.hpp"
#include "ghostbrew/tuning/slug.hpp"

namespace ghostbrew::tuning {

/// Default cap of samples per file: appending beyond it drops the oldest.
inline constexpr std::size_t kMaxSamplesPerFile = 10000;

namespace detail {

inline constexpr std::string_view kSampleMagic = "GBSAMPLE";
inline constexpr std::uint32_t kSampleVersion = 1;
/// Hard limit a reader accepts (whatever the writer's cap): bounds the memory a hostile file costs.
inline constexpr std::size_t kMaxRecordsRead = 100000;

/// Version 1 record. Only fixed-width fields; the file is read back on the machine that wrote it. The
/// on-disk layout: written out here (not generated) so that it only changes with a new version; the
/// metric members carry the names of GHOSTBREW_TUNING_METRICS, so the codec below loops over that list
/// and a metric the record lacks fails the build.
struct SampleRecord {
  std::int64_t unix_time;
  char game[kMaxGameName + 1];
  char cpu_model[kMaxCpuModel + 1];
  std::uint32_t mode;
  std::uint32_t reserved;
  std::uint64_t slice_us;
  std::uint64_t burst_threshold_us;
  std::uint64_t interactive_burst_us;
  std::uint64_t game_window_us;
  double gaming_wake_p50_ns;
  double gaming_wake_p99_ns;
  double gaming_wake_p999_ns;
  std::uint64_t gaming_wakeups;
  double interactive_wake_p99_ns;
  double op_p99_ns[GB_NR_OPS];
  double dispatches_per_s;
  double migrations_per_s;
  double xccd_migrations_per_s;
  double ccd_locality;
  double direct_dispatch_rate;
  double preemptions_per_s;
  double cpu_utilisation;
  std::uint32_t threads[GB_NR_CLASSES];
  std::uint32_t reserved2;
};
static_assert(sizeof(SampleRecord) ==
                  8 + 64 + 96 + 8 + 4 * 8 + 3 * 8 + 8 + 8 + GB_NR_OPS * 8 + 7 * 8 + GB_NR_CLASSES * 4 + 4,
              "SampleRecord layout (version 1)");

template <std::size_t N>
void put_string(char (&dst)[N], const std::string& s) {
  std::memset(dst, 0, N);
  std::memcpy(dst, s.data(), std::min(s.size(), N - 1));
}

inline SampleRecord to_record(const Sample& s) {
  SampleRecord r{};
  r.unix_time = s.unix_time;
  put_string(r.game, s.game);
  put_string(r.cpu_model, s.cpu_model);
  r.mode = static_cast<std::uint32_t>(s.config.mode);
  r.slice_us = s.config.slice_us;
  r.burst_threshold_us = s.config.burst_threshold_us;
  r.interactive_burst_us = s.config.interactive_burst_us;
  r.game_window_us = s.config.game_window_us;
  const Metrics& m = s.metrics;
#define GB_COPY(name) r.name = m.name;
#define GB_COPY_ARRAY(name, n) std::copy(std::begin(m.name), std::end(m.name), std::begin(r.name));
  GHOSTBREW_TUNING_METRICS(GB_COPY, GB_COPY, GB_COPY_ARRAY, GB_COPY_ARRAY)
#undef GB_COPY
#undef GB_COPY_ARRAY
  return r;
}

/// The string in a NUL-padded field; an error when the field holds no NUL (the record is damaged).
template <std::size_t N>
Result<std::string> get_string(const char (&src)[N], std::string_view what) {
  const void* nul = std::memchr(src, '\0', N);
  if (!nul) return fail("", "{} is not NUL-terminated", what);
  return std::string(src, static_cast<std::size_t>(static_cast<const char*>(nul) - src));
}

inline Result<Sample> from_record(const SampleRecord& r) {
  Sample s;
  s.unix_time = r.unix_time;
  auto game = get_string(r.game, "game name");
  if (!game) return tl::unexpected(game.error());
  auto cpu = get_string(r.cpu_model, "CPU model");
  if (!cpu) return tl::unexpected(cpu.error());
  s.game = std::move(*game);
  s.cpu_model = std::move(*cpu);
  if (r.mode >= GB_NR_MODES) return fail("", "mode {} is not a mode", r.mode);
  s.config.mode = static_cast<gb_mode>(r.mode);
  s.config.slice_us = r.slice_us;
  s.config.burst_threshold_us = r.burst_threshold_us;
  s.config.interactive_burst_us = r.interactive_burst_us;
  s.config.game_window_us = r.game_window_us;
  Metrics& m = s.metrics;
  // Every metric back from the record; the real-valued ones must be finite and non-negative.
  std::string bad;
  const auto check = [&](std::string_view name, double v) {
    if (bad.empty() && (!std::isfinite(v) || v < 0))
      bad = fmt::format("{} {} is not a finite non-negative number", name, v);
  };
#define GB_COPY(name) m.name = r.name;
#define GB_COPY_REAL(name) \
  m.name = r.name;         \
  check(#name, m.name);
#define GB_COPY_ARRAY(name, n) std::copy(std::begin(r.name), std::end(r.name), std::begin(m.name));
#define GB_COPY_REALS(name, n) \
  GB_COPY_ARRAY(name, n)       \
  for (double v : m.name) check(#name, v);
  GHOSTBREW_TUNING_METRICS(GB_COPY_REAL, GB_COPY, GB_COPY_REALS, GB_COPY_ARRAY)
#undef GB_COPY
#undef GB_COPY_REAL
#undef GB_COPY_ARRAY
#undef GB_COPY_REALS
  if (!bad.empty()) return fail("", "metric {}", bad);
  return s;
}

}  // namespace detail

/// Where the samples of `game` on `cpu_model` live: <state_dir>/samples/<slug(cpu)>/<slug(game)>.gbs.
[[nodiscard]] inline std::filesystem::path samples_path(const std::filesystem::path& state_dir,
                                                        std::string_view cpu_model, std::string_view game) {
  return state_dir / "samples" / slug(cpu_model) / (slug(game) + ".gbs");
}

/// Reads one sample file. Errors name the file: unreadable, wrong magic, unknown version, sizes that
/// disagree (truncated or trailing bytes, record count), checksum mismatch, or a record that is
/// damaged (a string field without its NUL, an unknown mode, a metric that is not a finite
/// non-negative number). Nothing is read outside the payload.
[[nodiscard]] inline Result<std::vector<Sample>> load_samples(const std::filesystem::path& file) {
  using detail::SampleRecord;
  auto blob = read_state_file(file, detail::kSampleMagic, detail::kMaxRecordsRead * sizeof(SampleRecord));
  if (!blob) return tl::unexpected(blob.error());
  if (blob->version != detail::kSampleVersion)
    return fail(file.string(), "unsupported sample file version {} (this build reads {})", blob->version,
                detail::kSampleVersion);
  if (blob->payload.size() != std::size_t{blob->count} * sizeof(SampleRecord))
    return fail(file.string(), "{} records of {} bytes do not fill the {}-byte payload", blob->count,
                sizeof(SampleRecord), blob->payload.size());
  std::vector<Sample> out;
  out.reserve(blob->count);
  for (std::uint32_t i = 0; i < blob->count; ++i) {
    SampleRecord r;
    std::memcpy(&r, blob->payload.data() + std::size_t{i} * sizeof r, sizeof r);
    auto s = detail::from_record(r);
    if (!s) return fail(file.string(), "record {}: {}", i, s.error().what);
    out.push_back(std::move(*s));
  }
  return out;
}

/// Writes `samples` as the whole content of `file` (atomically). Errors: a game or CPU model name
/// longer than kMaxGameName / kMaxCpuModel, an invalid mode, or the write itself.
[[nodiscard]] inline Result<void> save_samples(const std::filesystem::path& file,
                                               std::span<const Sample> samples) {
  using detail::SampleRecord;
  if (samples.size() > detail::kMaxRecordsRead)
    return fail(file.string(), "{} samples exceed the limit of {}", samples.size(), detail::kMaxRecordsRead);
  std::vector<std::byte> payload(samples.size() * sizeof(SampleRecord));
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    if (s.game.size() > kMaxGameName)
      return fail(file.string(), "game name '{}' is longer than {} bytes", s.game, kMaxGameName);
    if (s.cpu_model.size() > kMaxCpuModel)
      return fail(file.string(), "CPU model '{}' is longer than {} bytes", s.cpu_model, kMaxCpuModel);
    if (static_cast<unsigned>(s.config.mode) >= GB_NR_MODES)
      return fail(file.string(), "mode {} is not a mode", static_cast<unsigned>(s.config.mode));
    const SampleRecord r = detail::to_record(s);
    std::memcpy(payload.data() + i * sizeof r, &r, sizeof r);
  }
  return write_state_file(file, detail::kSampleMagic, detail::kSampleVersion,
                          static_cast<std::uint32_t>(samples.size()), payload);
}

/// Adds `sample` to its file (samples_path() of its CPU model and game): loads the file (a missing one
/// is empty), appends, keeps the newest `cap` samples, saves atomically. A corrupt file is not
/// overwritten: the error names it, and removing it starts afresh.
[[nodiscard]] inline Result<void> append(const std::filesystem::path& state_dir, const Sample& sample,
                                         std::size_t cap = kMaxSamplesPerFile) {
  const auto file = samples_path(state_dir, sample.cpu_model, sample.game);
  std::vector<Sample> all;
  std::error_code ec;
  if (std::filesystem::exists(file, ec)) {
    auto loaded = load_samples(file);
    if (!loaded) return tl::unexpected(loaded.error());
    all = std::move(*loaded);
  } else if (ec) {
    return fail(file.string(), "cannot check: {}", ec.message());
  }
  all.push_back(sample);
  if (cap == 0) cap = 1;
  if (all.size() > cap) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(cap));
  return save_samples(file, all);
}

/// Every sample under <state_dir>/samples, and the files that could not be read.
struct LoadedSamples {
  std::vector<Sample> samples;
  std::vector<Error> errors;  ///< one per unreadable file or directory; the other files still count
};

/// Loads every <state_dir>/samples/*/*.gbs file, in path order. A missing samples directory is no
/// error (nothing recorded yet); a corrupt file is skipped and reported in `errors`.
[[nodiscard]] inline LoadedSamples load_all(const std::filesystem::path& state_dir) {
  namespace fs = std::filesystem;
  LoadedSamples out;
  const fs::path root = state_dir / "samples";
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    if (ec) out.errors.push_back(Error{root.string(), fmt::format("cannot check: {}", ec.message())});
    return out;
  }
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
    if (it.depth() == 1 && it->path().extension() == ".gbs") files.push_back(it->path());
  if (ec) out.errors.push_back(Error{root.string(), fmt::format("cannot list: {}", ec.message())});
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto loaded = load_samples(f);
    if (!loaded) {
      out.errors.push_back(loaded.error());
      continue;
    }
    for (auto& s : *loaded) out.samples.push_back(std::move(s));
  }
  return out;
}

}  // namespace ghostbrew::tuning
