using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace ImageKit.Benchmarks;

/// <summary>Per-operation mean and 95th percentile (of iteration means), allocations, one Ratio column per category.</summary>
public sealed class MemoryCacheBenchmarkConfig : ManualConfig
{
    public MemoryCacheBenchmarkConfig()
    {
        AddColumn(StatisticColumn.P95);
        AddDiagnoser(MemoryDiagnoser.Default);
        AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        AddColumn(CategoriesColumn.Default);
    }
}
