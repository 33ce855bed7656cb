// For prof.c built with -DHEAP_SAMPLE: tcmalloc's sampled heap
// (MallocExtension::GetHeapSample, a "heap_v2" profile; sampling needs
// TCMALLOC_SAMPLE_PARAMETER) written to path.
#include <gperftools/malloc_extension.h>

#include <cstdio>
#include <string>

extern "C" void
write_heap_sample(const char *path)
{
	std::string s;
	MallocExtension::instance()->GetHeapSample(&s);
	std::FILE *f = std::fopen(path, "w");
	if (f == nullptr)
		return;
	std::fputs(s.c_str(), f);
	std::fclose(f);
}
