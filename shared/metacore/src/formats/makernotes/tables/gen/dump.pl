#!/usr/bin/perl
# Dumps ExifTool maker note tag tables as JSON (used to generate Rust tables).
use strict; use warnings;
use Image::ExifTool qw(:Public);
use Image::ExifTool::MakerNotes;
use JSON::PP;
my @roots = @ARGV;
my %seen; my %out;
use B;
sub code { my $c = shift; return undef unless defined $c; return ref($c) ? (ref($c) eq 'CODE' ? 'CODE:' . B::svref_2object($c)->GV->NAME : undef) : "$c"; }
sub dump_table {
    my ($name, $depth) = @_;
    return if $seen{$name}++ or $depth > 4;
    my $t = Image::ExifTool::GetTagTable($name) or return;
    my %tab = (
        format => $$t{FORMAT}, first => $$t{FIRST_ENTRY},
        binary => (($$t{PROCESS_PROC} && $$t{PROCESS_PROC} == \&Image::ExifTool::ProcessBinaryData) ? 1 : 0),
        proc => ($$t{PROCESS_PROC} ? code($$t{PROCESS_PROC}) : undef),
        tags => [],
    );
    $tab{binary} = 1 if defined $$t{FORMAT} || defined $$t{FIRST_ENTRY};
    foreach my $id (sort { ($a =~ /^[\d.]+$/ && $b =~ /^[\d.]+$/) ? $a <=> $b : $a cmp $b } grep { /^-?[\d.]+$/ } keys %$t) {
        my $info = $$t{$id};
        my @list = ref($info) eq 'ARRAY' ? @$info : ($info);
        foreach my $ti (@list) {
            $ti = { Name => $ti } unless ref $ti;
            next unless ref $ti eq 'HASH';
            my %e = (id => $id + 0, name => $$ti{Name});
            $e{id} = "$id" if $id =~ /\./;
            $e{cond} = code($$ti{Condition}) if $$ti{Condition};
            $e{unknown} = 1 if $$ti{Unknown};
            $e{hidden} = 1 if $$ti{Hidden};
            $e{format} = $$ti{Format} if $$ti{Format};
            $e{mask} = $$ti{Mask} if $$ti{Mask};
            $e{weak} = 1 if defined $$ti{Priority} and not $$ti{Priority};
            $e{isoffset} = 1 if $$ti{IsOffset};
            $e{count} = $$ti{Count} if $$ti{Count};
            $e{rawconv} = code($$ti{RawConv}) if $$ti{RawConv};
            $e{valueconv} = code($$ti{ValueConv}) if $$ti{ValueConv};
            $e{binary} = 1 if $$ti{Binary};
            $e{groups} = $$ti{Groups}{0} if $$ti{Groups} and $$ti{Groups}{0};
            my $pc = $$ti{PrintConv};
            if (ref $pc eq 'HASH') {
                my @pairs;
                foreach my $k (sort keys %$pc) {
                    next if $k eq 'OTHER' or $k eq 'Notes' or $k eq 'PrintHex' or $k eq 'PrintString' or $k eq 'PrintSort';
                    if ($k eq 'BITMASK') { $e{bitmask} = [ map { [$_+0, $$pc{BITMASK}{$_}] } sort { $a <=> $b } keys %{$$pc{BITMASK}} ]; next; }
                    push @pairs, ["$k", "$$pc{$k}"] unless ref $$pc{$k};
                }
                $e{map} = \@pairs;
                $e{other} = 1 if $$pc{OTHER};
                $e{printhex} = 1 if $$pc{PrintHex};
            } elsif (defined $pc and not ref $pc) {
                $e{printconv} = "$pc";
            } elsif (ref $pc eq 'CODE') {
                $e{printconv} = code($pc);
            } elsif (exists $$ti{PrintConv} and not defined $pc) {
                $e{printconv} = 'NONE';
            } elsif (ref $pc eq 'ARRAY') {
                $e{printconv} = 'ARRAY';
                my @items;
                foreach my $it (@$pc) {
                    if (ref $it eq 'HASH') {
                        my @pairs;
                        foreach my $k (sort keys %$it) {
                            next if $k eq 'OTHER' or $k eq 'Notes' or $k eq 'BITMASK';
                            push @pairs, ["$k", "$$it{$k}"] unless ref $$it{$k};
                        }
                        my %item = (map => \@pairs);
                        $item{bitmask} = [ map { [$_+0, $$it{BITMASK}{$_}] } sort { $a <=> $b } keys %{$$it{BITMASK}} ] if ref $$it{BITMASK} eq 'HASH';
                        push @items, \%item;
                    } elsif (not defined $it) {
                        push @items, { code => '' };
                    } elsif (defined $it and not ref $it) {
                        push @items, { code => "$it" };
                    } else {
                        push @items, { code => 'CODE' };
                    }
                }
                $e{parr} = \@items;
            }
            if ($$ti{SubDirectory}) {
                my $sd = $$ti{SubDirectory};
                my $tt = $$sd{TagTable} || $name;
                $e{subdir} = $tt;
                $e{sd_start} = $$sd{Start} if defined $$sd{Start};
                $e{sd_base} = $$sd{Base} if defined $$sd{Base};
                $e{sd_validate} = $$sd{Validate} if defined $$sd{Validate};
                $e{sd_byteorder} = $$sd{ByteOrder} if defined $$sd{ByteOrder};
                $e{sd_proc} = code($$sd{ProcessProc}) if $$sd{ProcessProc};
                $e{sd_decrypt_start} = $$sd{DecryptStart} if defined $$sd{DecryptStart};
                $e{sd_decrypt_len} = $$sd{DecryptLen} if defined $$sd{DecryptLen};
                $e{sd_dir_offset} = $$sd{DirOffset} if defined $$sd{DirOffset};
                dump_table($tt, $depth + 1);
            }
            push @{$tab{tags}}, \%e;
        }
    }
    $out{$name} = \%tab;
}
dump_table($_, 0) foreach @roots;
print JSON::PP->new->canonical->pretty->encode(\%out);
