"""python -m benchmarks: every benchmark, one after another."""
from benchmarks import bench_gazetteer, bench_map

print("== gazetteer")
bench_gazetteer.main()
print("\n== map build")
bench_map.main([])
