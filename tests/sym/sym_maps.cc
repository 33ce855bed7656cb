// C++ test program for the symbolizer, compiled at -O2: std::map and
// std::string everywhere, templates instantiated many times (step<N>),
// lambdas, an anonymous namespace, virtual functions, constructors and
// destructors.  Never run by the tests: only its code is symbolized.
#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sym_maps.h"

namespace symtest {

Sink::~Sink() = default;
Summer::~Summer() = default;

void Summer::take(const std::string &k, long v)
{
	const long *old = seen_.get(k);
	seen_.put(k, old ? *old + v : v);
	total_ += v;
}

}  // namespace symtest

namespace {

using StrIndex = symtest::Index<std::string, int>;

std::string key_of(int i)
{
	return "k" + std::to_string(i * 7919 % 1000) + "/" + std::to_string(i & 7);
}

// one copy per N: every copy has its own inlined map and string code
template <int N>
long step(StrIndex &ix, std::map<int, std::string> &names, int rounds)
{
	long acc = 0;
	for (int r = 0; r < rounds; r++) {
		std::string k = key_of(r * (N + 1));
		const int *old = ix.get(k);
		ix.put(k, old ? *old + N : N);
		names[r % (N + 3)] += k.substr(0, 1 + N % 4);
		if (names.size() > 8 + N)
			names.erase(names.begin());
		acc += ix.range(key_of(N), key_of(N + 50), [&](const std::string &key, int v) {
			acc += static_cast<long>(key.size()) * v;
		});
	}
	if (ix.size() > 100 + N)
		ix.drop(key_of(N));
	return acc;
}

template <int... Ns>
std::vector<long (*)(StrIndex &, std::map<int, std::string> &, int)>
make_steps(std::integer_sequence<int, Ns...>)
{
	return {&step<Ns>...};
}

// a map of maps and a map keyed by pairs: more _Rb_tree instantiations
struct Stats {
	std::map<std::string, std::map<std::string, long>> by_prefix;
	std::map<std::pair<int, std::string>, double> by_pair;

	void add(const std::string &key, long v)
	{
		auto &inner = by_prefix[key.substr(0, 2)];
		inner[key] += v;
		by_pair[{static_cast<int>(key.size()), key}] += v / 3.0;
	}
	std::string report() const
	{
		std::string out;
		for (const auto &p : by_prefix) {
			out += p.first + ":";
			for (const auto &q : p.second)
				out += " " + q.first + "=" + std::to_string(q.second);
			out += "\n";
		}
		return out;
	}
};

}  // namespace

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? std::stoi(argv[1]) : 10;
	StrIndex ix;
	std::map<int, std::string> names;
	Stats stats;
	auto steps = make_steps(std::make_integer_sequence<int, 12>{});
	std::vector<std::unique_ptr<symtest::Sink>> sinks;
	sinks.emplace_back(new symtest::Summer("a"));
	sinks.emplace_back(new symtest::Summer("b"));

	long total = 0;
	for (auto *f : steps)
		total += f(ix, names, rounds);
	ix.each([&](const std::string &k, int v) {
		stats.add(k, v);
		for (auto &s : sinks)
			s->take(k, v);
	});
	std::sort(steps.begin(), steps.end());
	std::printf("%ld %zu %s", total, ix.size(), stats.report().c_str());
	for (const auto &s : sinks)
		std::printf("%s %ld\n", s->name().c_str(),
			    static_cast<symtest::Summer *>(s.get())->total());
	return 0;
}
