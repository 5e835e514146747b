use strict; use warnings;
use Image::ExifTool qw(:Public);
use Image::ExifTool::XMP;
use JSON::PP;
my $main = \%Image::ExifTool::XMP::Main;
my %out;
for my $ns (sort keys %$main) {
    my $e = $main->{$ns};
    next unless ref $e eq 'HASH' and $e->{SubDirectory};
    my $tn = $e->{SubDirectory}{TagTable};
    my $t = Image::ExifTool::GetTagTable($tn) or next;
    Image::ExifTool::XMP::AddFlattenedTags($t);
    my %tags;
    for my $id (Image::ExifTool::TagTableKeys($t)) {
        my $ti = $t->{$id};
        next unless ref $ti eq 'HASH';
        my %d = (Name => $ti->{Name});
        for my $k (qw(Writable List Flat Priority)) { $d{$k} = $ti->{$k} if defined $ti->{$k}; }
        if ($ti->{Struct}) {
            $d{Struct} = 1;
            $d{FlatName} = $ti->{FlatName} if defined $ti->{FlatName};
            my $st = $ti->{Struct};
            $d{VarNS} = 1 if ref $st eq 'HASH' and exists $st->{NAMESPACE} and not $st->{NAMESPACE};
        }
        my $pr = $ti->{Priority}; $pr = $t->{PRIORITY} unless defined $pr;
        $pr = 0 if not defined $pr and $ti->{Avoid};
        $d{EffPriority} = defined $pr ? $pr : 1;
        $d{RawJoin} = 1 if $ti->{RawJoin};
        for my $k (qw(PrintConv ValueConv)) {
            my $c = $ti->{$k}; next unless defined $c;
            if (ref $c eq 'HASH') {
                my %h; for (keys %$c) { next if ref $c->{$_}; $h{$_} = "$c->{$_}"; }
                $d{$k} = \%h;
                $d{$k.'Other'} = 1 if $c->{OTHER};
                $d{$k.'BitMask'} = 1 if $c->{BITMASK};
            } elsif (ref $c eq 'CODE') { $d{$k} = 'CODE'; }
            elsif (ref $c eq 'ARRAY') { $d{$k} = 'ARRAY'; }
            else { $d{$k} = "$c"; }
        }
        $tags{$id} = \%d;
    }
    $out{$ns} = { table => $tn, ns => ($t->{NAMESPACE} // ''), tags => \%tags };
}
my %uri = %Image::ExifTool::XMP::nsURI;
print JSON::PP->new->canonical->pretty->encode({ tables => \%out, nsURI => \%uri });
