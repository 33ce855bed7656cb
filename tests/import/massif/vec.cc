// Known allocations for tests/import/massif.sh, in C++: containers' growth
// in libstdc++ (frames "(in /path/libstdc++.so...)" when it has no debug
// information, templated names with spaces and parentheses), an object
// kept to the end and a temporary vector freed before it.
#include <map>
#include <string>
#include <vector>

namespace {
struct Table {
	std::vector<std::string> rows;
	std::map<int, std::vector<int>> index;
};
}

__attribute__((noinline)) static Table *
build(int n)
{
	Table *t = new Table;
	for (int i = 0; i < n; i++) {
		t->rows.push_back(std::string(40 + i % 7, 'x'));
		t->index[i % 13].push_back(i);
	}
	return t;
}

int
main()
{
	Table *t = build(300);
	std::vector<int> *tmp = new std::vector<int>(5000);
	delete tmp;
	return t->rows.size() == 300 ? 0 : 1;
}
