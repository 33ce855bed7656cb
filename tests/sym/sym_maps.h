// A small class template over std::map, in a header so that at -O2 an
// address can be inside std::_Rb_tree code (stl_tree.h) inlined into
// symtest::Index<K, V>::... (here) inlined into a function of sym_maps.cc.
#ifndef SYM_MAPS_H
#define SYM_MAPS_H

#include <cstddef>
#include <map>
#include <string>

namespace symtest {

template <typename K, typename V>
class Index {
public:
	void put(const K &k, const V &v) { m_[k] = v; }
	bool drop(const K &k) { return m_.erase(k) != 0; }
	const V *get(const K &k) const
	{
		auto it = m_.find(k);
		return it == m_.end() ? nullptr : &it->second;
	}
	std::size_t size() const { return m_.size(); }
	// visit the entries in key order
	template <typename F>
	void each(F f) const
	{
		for (const auto &kv : m_)
			f(kv.first, kv.second);
	}
	// the entries in [lo, hi)
	template <typename F>
	std::size_t range(const K &lo, const K &hi, F f) const
	{
		std::size_t n = 0;
		for (auto it = m_.lower_bound(lo); it != m_.end() && it->first < hi; ++it, ++n)
			f(it->first, it->second);
		return n;
	}

private:
	std::map<K, V> m_;
};

// a class hierarchy: constructors and destructors come in C1/C2 (D0/D1/D2)
// variants, often at one address (aliases)
class Sink {
public:
	explicit Sink(std::string name) : name_(std::move(name)) {}
	virtual ~Sink();
	virtual void take(const std::string &k, long v) = 0;
	const std::string &name() const { return name_; }

private:
	std::string name_;
};

class Summer : public Sink {
public:
	explicit Summer(const std::string &name) : Sink(name + ".sum") {}
	~Summer() override;
	void take(const std::string &k, long v) override;
	long total() const { return total_; }

private:
	long total_ = 0;
	Index<std::string, long> seen_;
};

}  // namespace symtest

#endif
