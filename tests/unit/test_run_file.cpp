#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "esbio/core/error.hpp"
#include "esbio/io/output_file.hpp"
#include "esbio/io/run_file.hpp"

using namespace esbio;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() : path(fs::temp_directory_path() / ("esbio_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

train::train_state sample_state() {
  train::train_state st;
  st.theta = {0.1, -0.2, 1e-300, 3.5, -0.0, 6.0};
  st.optimizer.m = {1, 2, 3, 4, 5, 6};
  st.optimizer.v = {6, 5, 4, 3, 2, 1};
  st.optimizer.steps = {3, 2};
  st.generation = 5;
  for (int g = 0; g < 5; ++g) {
    train::history_row r;
    r.generation = g;
    r.loss = 1.0 / (g + 1);
    r.accuracy = std::nan("");
    r.validation_accuracy = g == 2 ? std::nan("") : 0.25 * g;
    r.bytes_communicated = 100 + g;
    r.failures = g % 2;
    st.history.push_back(r);
  }
  return st;
}

}  // namespace

TEST_CASE("a run file reads back exactly what was written") {
  temp_dir dir;
  const auto path = (dir.path / "run.h5").string();
  param_layout layout;
  layout.add("W1", 2, 2).add("W2", 1, 2);
  io::run_metadata meta;
  meta.config = "a = 1\nb = two\n";
  meta.config_hash = 0xfeedfacecafebeefull;
  meta.seed = 42;
  meta.task = "spiral";
  const auto st = sample_state();
  io::write_run_file(path, meta, layout, st);
  CHECK_FALSE(fs::exists(path + ".tmp"));

  const auto rc = io::read_run_file(path);
  CHECK(rc.meta.config == meta.config);
  CHECK(rc.meta.config_hash == meta.config_hash);
  CHECK(rc.meta.seed == 42);
  CHECK(rc.state.generation == 5);
  CHECK(rc.state.replica_bytes() == st.replica_bytes());  // bit-exact, -0.0 and 1e-300 included
  REQUIRE(rc.state.history.size() == 5);
  CHECK(rc.state.history[3].loss == st.history[3].loss);
  CHECK(rc.state.history[4].bytes_communicated == 104);
  CHECK(std::isnan(rc.state.history[0].accuracy));
  CHECK(rc.state.history[3].validation_accuracy == 0.75);
  CHECK(std::isnan(rc.state.history[2].validation_accuracy));
}

TEST_CASE("a run file carries the network it trains and the record of its data file") {
  temp_dir dir;
  const auto path = (dir.path / "run.h5").string();
  param_layout layout;
  layout.add("W1", 2, 2);
  io::run_metadata meta;
  meta.task = "network";
  meta.files = {{"data_file", "/data/x.h5"}, {"data_size", "1234"}, {"data_sha256", "ab01"}};
  data_group net;
  net.attrs["format"] = std::string("esbio-network");
  net.attrs["version"] = 1.0;
  net.groups["recurrent"].arrays["weights"] =
      data_array{{2, 2}, {0.5, -1.0, 0.0, 2.0}, element_type::float64};
  net.groups["populations"].groups["e"].attrs["model"] = std::string("morris_lecar");
  meta.network = net;
  auto st = sample_state();
  st.theta.resize(4);
  st.optimizer.m.resize(4);
  st.optimizer.v.resize(4);
  io::write_run_file(path, meta, layout, st);
  const auto rc = io::read_run_file(path);
  CHECK(rc.meta.files == meta.files);
  REQUIRE(rc.meta.network.has_value());
  CHECK(std::get<std::string>(rc.meta.network->attrs.at("format")) == "esbio-network");
  CHECK(rc.meta.network->groups.at("recurrent").arrays.at("weights").values ==
        std::vector<double>{0.5, -1.0, 0.0, 2.0});
  CHECK(std::get<std::string>(
            rc.meta.network->groups.at("populations").groups.at("e").attrs.at("model")) ==
        "morris_lecar");

  // Files written before networks were recorded read back with neither.
  meta.files.clear();
  meta.network.reset();
  io::write_run_file(path, meta, layout, st);
  const auto old = io::read_run_file(path);
  CHECK(old.meta.files.empty());
  CHECK_FALSE(old.meta.network.has_value());
}

TEST_CASE("reading refuses what is not an esbio run file, with input errors") {
  temp_dir dir;
  CHECK_THROWS_WITH_AS(io::read_run_file((dir.path / "missing.h5").string()),
                       doctest::Contains("does not exist"), input_error);
  const auto text = (dir.path / "text.h5").string();
  std::ofstream(text) << "not hdf5\n";
  CHECK_THROWS_WITH_AS(io::read_run_file(text), doctest::Contains("not an HDF5 file"), input_error);
}

TEST_CASE("a failed write leaves the previous file untouched") {
  temp_dir dir;
  const auto path = (dir.path / "run.h5").string();
  param_layout layout;
  layout.add("W1", 2, 3);
  const auto st = sample_state();
  io::write_run_file(path, {}, layout, st);
  const auto before = fs::file_size(path);
  // An unwritable temporary (a directory in its place) makes the write fail.
  fs::create_directory(path + ".tmp");
  CHECK_THROWS(io::write_run_file(path, {}, layout, st));
  fs::remove(path + ".tmp");
  CHECK(fs::file_size(path) == before);
  CHECK(io::read_run_file(path).state.theta == st.theta);
}

TEST_CASE("a full disk is named as such") {
  // /dev/full answers every write with ENOSPC, as a full file system does.
  const int fd = ::open("/dev/full", O_WRONLY);
  REQUIRE(fd >= 0);
  const std::vector<char> bytes(4096, 'x');
  CHECK_THROWS_WITH_AS(io::write_all(fd, bytes, "run.h5.tmp"),
                       "the disk is full (No space left on device) writing 'run.h5.tmp'",
                       io::write_error);
  ::close(fd);
}

TEST_CASE("the output policy: --force replaces only esbio files and empty files") {
  temp_dir dir;
  const auto p = [&](const char* name) { return (dir.path / name).string(); };
  param_layout layout;
  layout.add("W1", 2, 3);
  io::write_run_file(p("run.h5"), {}, layout, sample_state());
  std::ofstream(p("notes.txt")) << "keep me\n";
  std::ofstream(p("empty.h5"));
  fs::create_directory(p("dir"));
  CHECK_NOTHROW(io::check_new_output(p("new.h5"), false));
  CHECK_THROWS_WITH_AS(io::check_new_output(p("run.h5"), false), doctest::Contains("--force"),
                       input_error);
  CHECK_NOTHROW(io::check_new_output(p("run.h5"), true));
  CHECK_NOTHROW(io::check_new_output(p("empty.h5"), true));
  CHECK_THROWS_WITH_AS(io::check_new_output(p("notes.txt"), true),
                       doctest::Contains("not an esbio file"), input_error);
  CHECK_THROWS_WITH_AS(io::check_new_output(p("dir"), true), doctest::Contains("is a directory"),
                       input_error);
  CHECK_THROWS_WITH_AS(io::check_new_output("/dev/null", true), doctest::Contains("is a device"),
                       input_error);
  CHECK_THROWS_WITH_AS(io::check_new_output(p("no/such/x.h5"), false),
                       doctest::Contains("does not exist"), input_error);
  // Nothing the checks did is left behind: the probe file is gone.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path)) ++entries;
  CHECK(entries == 4);
}

TEST_CASE("a stale temporary file from a killed write is replaced, not trusted") {
  temp_dir dir;
  const auto path = (dir.path / "run.h5").string();
  std::ofstream(path + ".tmp") << "half a checkpoint";
  param_layout layout;
  layout.add("W1", 2, 3);
  io::write_run_file(path, {}, layout, sample_state());
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK(io::read_run_file(path).state.theta == sample_state().theta);
}

TEST_CASE("damaged run files are input errors that say what is wrong") {
  temp_dir dir;
  const auto path = (dir.path / "run.h5").string();
  param_layout layout;
  layout.add("W1", 2, 3);
  io::write_run_file(path, {}, layout, sample_state());
  const auto half = (dir.path / "half.h5").string();
  {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(half, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size() / 2));
  }
  CHECK_THROWS_WITH_AS(io::read_run_file(half), doctest::Contains("is damaged"), input_error);
}
